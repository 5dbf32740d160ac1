//! POP3 (RFC 1939, 2449, 2595, 5034): sans-IO session core and tokio driver.
