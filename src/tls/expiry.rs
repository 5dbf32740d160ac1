//! Certificate expiry from DER (RFC 5280 §4.1.2.5): a minimal walk to `validity.notAfter`,
//! so `postie status` can warn without pulling in an X.509 parser.

use chrono::{DateTime, NaiveDate, Utc};

/// One DER TLV: (tag, content, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// notAfter of a DER certificate, or `None` if it cannot be found.
pub fn not_after(der: &[u8]) -> Option<DateTime<Utc>> {
    let (_, certificate, _) = tlv(der)?;
    let (_, tbs, _) = tlv(certificate)?;
    let mut rest = tbs;
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after; // explicit version
    }
    let (_, _, rest) = tlv(rest)?; // serialNumber
    let (_, _, rest) = tlv(rest)?; // signature
    let (_, _, rest) = tlv(rest)?; // issuer
    let (_, validity, _) = tlv(rest)?;
    let (_, _, after_not_before) = tlv(validity)?;
    let (tag, time, _) = tlv(after_not_before)?;
    parse_time(tag, std::str::from_utf8(time).ok()?)
}

/// UTCTime (tag 0x17, YYMMDDHHMMSSZ) or GeneralizedTime (0x18, YYYYMMDDHHMMSSZ).
fn parse_time(tag: u8, text: &str) -> Option<DateTime<Utc>> {
    let digits = text.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i32 = digits.get(..2)?.parse().ok()?;
            (
                if yy >= 50 { 1900 + yy } else { 2000 + yy },
                digits.get(2..)?,
            )
        }
        0x18 => (digits.get(..4)?.parse().ok()?, digits.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2)?.parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(year, field(0)?, field(2)?)?;
    Some(date.and_hms_opt(field(4)?, field(6)?, field(8)?)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_asn1_time_forms_parse() {
        let utc = parse_time(0x17, "491231235959Z").map(|d| d.to_rfc3339());
        assert_eq!(utc.as_deref(), Some("2049-12-31T23:59:59+00:00"));
        let gen_time = parse_time(0x18, "20600101000000Z").map(|d| d.to_rfc3339());
        assert_eq!(gen_time.as_deref(), Some("2060-01-01T00:00:00+00:00"));
        assert_eq!(parse_time(0x17, "garbage"), None);
    }

    #[test]
    fn truncated_der_yields_none() {
        assert_eq!(not_after(&[0x30, 0x82, 0x05]), None);
        assert_eq!(not_after(&[]), None);
    }
}
