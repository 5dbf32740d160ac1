//! SMTP receiver (RFC 5321): sans-IO session core and tokio driver.
