//! The compact encodings the browser decodes: the hash that picks a term's shard and the
//! variable-length numbers of the postings. Both are mirrored in `search-core.js` and checked by
//! the shared vectors.
//!
//! Numbers are written in base 32, most significant digit first, one character per digit: a final
//! digit is `'0' + d` (`0`–`O`), a digit with more to follow is `']' + d` (`]`–`|`). No character
//! needs escaping in a JSON string.

/// The first character of a final digit.
const FINAL: u32 = '0' as u32;
/// The first character of a digit with more to follow.
const MORE: u32 = ']' as u32;

/// FNV-1a (32 bits) over the UTF-16 code units of `s`, as JavaScript sees a string.
pub fn hash(s: &str) -> u32 {
    s.encode_utf16().fold(0x811c_9dc5_u32, fnv_step)
}

/// [`hash`] of a string given as UTF-16 code units.
pub fn hash_utf16(units: &[u16]) -> u32 {
    units.iter().copied().fold(0x811c_9dc5_u32, fnv_step)
}

fn fnv_step(h: u32, unit: u16) -> u32 {
    (h ^ u32::from(unit)).wrapping_mul(0x0100_0193)
}

/// A fingerprint of bytes (the index files), eight bytes a step: FNV-1a's steps over 64-bit
/// words, folded to 32 bits. Only the build computes it; the browser compares it as a string.
pub fn hash_bytes(bytes: &[u8]) -> u32 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut words = bytes.chunks_exact(8);
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(PRIME);
        h ^= h >> 29;
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    (h ^ (h >> 32)) as u32
}

/// Append `n` to `out`.
pub fn push_number(out: &mut String, n: u32) {
    // One or two digits, the commonest: gaps between documents and impacts.
    if n < 32 {
        out.push(digit(FINAL, n));
        return;
    }
    if n < 32 * 32 {
        out.push(digit(MORE, n / 32));
        out.push(digit(FINAL, n % 32));
        return;
    }
    let mut digits = [0u32; 7];
    let mut len = 0;
    let mut v = n;
    loop {
        digits[len] = v % 32;
        len += 1;
        v /= 32;
        if v == 0 {
            break;
        }
    }
    for (i, d) in digits[..len].iter().rev().enumerate() {
        let base = if i + 1 == len { FINAL } else { MORE };
        out.push(digit(base, *d));
    }
}

/// The character of digit `d` (below 32) from `base`: always ASCII.
fn digit(base: u32, d: u32) -> char {
    char::from((base + d) as u8)
}

/// `numbers`, encoded.
pub fn encode_numbers(numbers: &[u32]) -> String {
    let mut out = String::with_capacity(numbers.len() * 2);
    for &n in numbers {
        push_number(&mut out, n);
    }
    out
}

/// The numbers of `s` (the inverse of [`encode_numbers`]; for tests).
pub fn decode_numbers(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut v: u32 = 0;
    for c in s.chars().map(u32::from) {
        if (MORE..MORE + 32).contains(&c) {
            v = v.wrapping_mul(32) + (c - MORE);
        } else {
            out.push(v.wrapping_mul(32) + c.wrapping_sub(FINAL));
            v = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        let ns = [0, 1, 31, 32, 1023, 1024, 65_535, u32::MAX];
        assert_eq!(decode_numbers(&encode_numbers(&ns)), ns);
        assert_eq!(encode_numbers(&[0, 31, 32]), "0O^0");
    }

    #[test]
    fn hash_is_fnv1a_over_utf16() {
        assert_eq!(hash(""), 0x811c_9dc5);
        assert_eq!(hash("a"), 0xe40c_292c);
    }
}
