//! `random` and `shuffle`. With a `seed` they give exactly what Ansible gives (Python's
//! Mersenne Twister, seeded the way `random.Random(seed)` seeds it), so the common
//! `{{ 59 | random(seed=inventory_hostname) }}` picks the same minute as Ansible did.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};
use sha2::{Digest, Sha512};

use super::failure;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
}

/// `end | random(start=0, step=1, seed=None)` for an int; one item for a list.
fn random(end: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let start = kwargs.get::<Option<i64>>("start")?.unwrap_or(0);
    let step = kwargs.get::<Option<i64>>("step")?.unwrap_or(1);
    let mut rng = PyRandom::from_seed(kwargs.get::<Option<Value>>("seed")?.as_ref());
    kwargs.assert_all_used()?;
    if let Some(end) = end.as_i64() {
        if step <= 0 || end <= start {
            return Err(failure("random: empty range"));
        }
        let count = (end - start + step - 1) / step;
        return Ok(Value::from(start + step * rng.below(count as u64) as i64));
    }
    let items: Vec<Value> = end.try_iter()?.collect();
    if items.is_empty() {
        return Err(failure("random: cannot choose from an empty sequence"));
    }
    Ok(items[rng.below(items.len() as u64) as usize].clone())
}

fn shuffle(list: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let mut rng = PyRandom::from_seed(kwargs.get::<Option<Value>>("seed")?.as_ref());
    kwargs.assert_all_used()?;
    let mut items: Vec<Value> = list.try_iter()?.collect();
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
    Ok(Value::from(items))
}

/// Python's `random.Random`: MT19937 with CPython's seeding and `_randbelow`.
struct PyRandom {
    state: [u32; 624],
    index: usize,
}

impl PyRandom {
    /// A seeded generator as `Random(seed)` makes it (strings hashed with SHA-512 and
    /// appended, as Python 3 does); no seed means a fresh random one.
    fn from_seed(seed: Option<&Value>) -> PyRandom {
        let key = match seed {
            Some(v) if v.kind() == ValueKind::Number && v.as_i64().is_some() => {
                int_words(&v.as_i64().unwrap_or(0).unsigned_abs().to_be_bytes())
            }
            Some(v) if !v.is_none() && !v.is_undefined() => {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                let mut bytes = text.into_bytes();
                let digest = Sha512::digest(&bytes);
                bytes.extend_from_slice(&digest);
                int_words(&bytes)
            }
            _ => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                int_words(&(nanos ^ u128::from(std::process::id())).to_be_bytes())
            }
        };
        PyRandom::from_key(&key)
    }

    /// MT19937's `init_by_array`.
    fn from_key(key: &[u32]) -> PyRandom {
        let mut mt = [0u32; 624];
        mt[0] = 19_650_218;
        for i in 1..624 {
            let prev = mt[i - 1];
            mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = mt[i - 1];
            mt[i] = (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = mt[i - 1];
            mt[i] =
                (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        PyRandom {
            state: mt,
            index: 624,
        }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = self.state[(k + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)` for k ≤ 64: 32-bit words, least significant first.
    fn bits(&mut self, k: u32) -> u64 {
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32() >> (64 - k));
        (high << 32) | low
    }

    /// `_randbelow(n)`: draw bit_length(n) bits until the number is below n.
    fn below(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.bits(k);
            if r < n {
                return r;
            }
        }
    }
}

/// The 32-bit words of a big-endian unsigned number, least significant first, without
/// high zero words (at least one word), as CPython feeds a seed to `init_by_array`.
fn int_words(be_bytes: &[u8]) -> Vec<u32> {
    let mut words: Vec<u32> = be_bytes
        .rchunks(4)
        .map(|chunk| chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
        .collect();
    while words.len() > 1 && words.last() == Some(&0) {
        words.pop();
    }
    words
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render};

    /// Expected values come from CPython 3.11's `random.Random(seed)`.
    #[test]
    fn seeded_results_match_python() {
        let t = |s: &str| native(s, json!({}));
        assert_eq!(
            t("{{ [1, 2, 3, 4, 5] | shuffle(seed='fixed') }}"),
            json!([3, 5, 4, 2, 1])
        );
        assert_eq!(t("{{ 100 | random(seed='fixed') }}"), json!(13));
        assert_eq!(t("{{ 60 | random(seed='web01') }}"), json!(22));
        assert_eq!(t("{{ 60 | random(seed='web02') }}"), json!(31));
        assert_eq!(t("{{ 1000 | random(seed=42) }}"), json!(654));
        assert_eq!(t("{{ 10 | random(seed=0) }}"), json!(6));
        assert_eq!(
            t("{{ 100 | random(start=10, step=5, seed='fixed') }}"),
            json!(25)
        );
        assert_eq!(
            t("{{ ['a', 'b', 'c', 'd'] | random(seed='x') }}"),
            json!("c")
        );
        assert_eq!(
            t("{{ 1099511627776 | random(seed='big') }}"),
            json!(247717398425_i64)
        );
    }

    #[test]
    fn unseeded_results_stay_in_range() {
        for _ in 0..20 {
            let n = native("{{ 5 | random }}", json!({})).as_i64().unwrap();
            assert!((0..5).contains(&n));
        }
        assert_eq!(
            render("{{ [1, 2, 3] | shuffle | sort }}", json!({})),
            "[1, 2, 3]"
        );
    }
}
