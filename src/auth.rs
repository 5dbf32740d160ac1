//! Account passwords (argon2 hashes) and SASL PLAIN/LOGIN decoding shared by SMTP and POP3.
