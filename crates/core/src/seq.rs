//! TCP sequence numbers with wrapping comparison (RFC 9293 section 3.4).
//!
//! Sequence space is a circle of 2^32 numbers; `a < b` means `b` lies in the
//! half-circle after `a`, i.e. `(b - a) mod 2^32` is in `1..2^31`.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A 32-bit TCP sequence number compared modulo 2^32.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// The signed distance from `other` to `self` (positive if `self` is after).
    #[inline]
    pub const fn diff(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// `self < other` in sequence space.
    #[inline]
    pub const fn lt(self, other: SeqNum) -> bool {
        self.diff(other) < 0
    }

    /// `self <= other` in sequence space.
    #[inline]
    pub const fn le(self, other: SeqNum) -> bool {
        self.diff(other) <= 0
    }

    /// `self > other` in sequence space.
    #[inline]
    pub const fn gt(self, other: SeqNum) -> bool {
        self.diff(other) > 0
    }

    /// `self >= other` in sequence space.
    #[inline]
    pub const fn ge(self, other: SeqNum) -> bool {
        self.diff(other) >= 0
    }

    /// The later of two sequence numbers.
    #[inline]
    pub fn max(self, other: SeqNum) -> SeqNum {
        if self.ge(other) { self } else { other }
    }

    /// The earlier of two sequence numbers.
    #[inline]
    pub fn min(self, other: SeqNum) -> SeqNum {
        if self.le(other) { self } else { other }
    }

    /// `low <= self < high` in sequence space (RFC 9293 3.4's window tests).
    #[inline]
    pub fn in_range(self, low: SeqNum, high: SeqNum) -> bool {
        low.le(self) && self.lt(high)
    }

    /// Number of sequence numbers from `earlier` up to `self`, or 0 if `self`
    /// is not after `earlier`.
    #[inline]
    pub fn since(self, earlier: SeqNum) -> usize {
        let d = self.diff(earlier);
        if d > 0 { d as usize } else { 0 }
    }
}

impl Add<usize> for SeqNum {
    type Output = SeqNum;
    #[inline]
    fn add(self, rhs: usize) -> SeqNum {
        // Truncation is the point: sequence space is modulo 2^32.
        SeqNum(self.0.wrapping_add(rhs as u32))
    }
}

impl AddAssign<usize> for SeqNum {
    #[inline]
    fn add_assign(&mut self, rhs: usize) {
        *self = *self + rhs;
    }
}

impl Sub<usize> for SeqNum {
    type Output = SeqNum;
    #[inline]
    fn sub(self, rhs: usize) -> SeqNum {
        SeqNum(self.0.wrapping_sub(rhs as u32))
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_across_the_wrap() {
        let a = SeqNum(u32::MAX - 10);
        let b = a + 20; // wraps to 9
        assert_eq!(b.0, 9);
        assert!(a.lt(b) && b.gt(a) && a.le(b) && b.ge(a));
        assert_eq!(b.diff(a), 20);
        assert_eq!(b.since(a), 20);
        assert_eq!(a.since(b), 0);
        assert_eq!(b - 20, a);
        assert!(SeqNum(5).in_range(a, b));
        assert!(!b.in_range(a, b));
        assert_eq!(a.max(b), b);
        assert_eq!(a.min(b), a);
    }

    #[test]
    fn half_circle_boundary() {
        let a = SeqNum(0);
        assert!(a.lt(SeqNum(0x7fff_ffff)));
        // Exactly 2^31 apart: diff is i32::MIN, so `b` is considered before `a`.
        assert!(SeqNum(0x8000_0000).lt(a));
    }

    proptest::proptest! {
        #[test]
        fn ordering_is_antisymmetric(x: u32, d in 1u32..0x8000_0000) {
            let a = SeqNum(x);
            let b = SeqNum(x.wrapping_add(d));
            proptest::prop_assert!(a.lt(b));
            proptest::prop_assert!(!b.lt(a));
            proptest::prop_assert_eq!(b.since(a), d as usize);
        }
    }
}
