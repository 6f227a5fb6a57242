//! Rows grouped by a dense group number (a profile, a component), each group's rows in their
//! order, in one array: a counting sort, two passes over the rows and two allocations however
//! many groups there are (a vector per group was an allocation per profile or component, and
//! its rows scattered over the heap).

/// Rows (any small `Copy` value: a reference, or one with a number) by group.
pub struct Grouped<T> {
    rows: Vec<T>,
    /// Where each group starts in `rows`, and the end.
    starts: Vec<usize>,
}

impl<T: Copy> Grouped<T> {
    /// Groups `rows`, each with its group number, into `count` groups; rows whose number is
    /// `count` or more (as `u32::MAX` for "none") are left out.
    pub fn new(rows: impl Iterator<Item = (T, usize)> + Clone, count: usize) -> Self {
        let mut starts = vec![0usize; count + 1];
        for (_, g) in rows.clone().filter(|&(_, g)| g < count) {
            starts[g + 1] += 1;
        }
        for i in 0..count {
            starts[i + 1] += starts[i];
        }
        let mut kept = rows.filter(|&(_, g)| g < count);
        let Some((first, g)) = kept.next() else {
            return Grouped { rows: Vec::new(), starts };
        };
        // Every slot is written below; `first` only fills them until then.
        let mut placed = vec![first; starts[count]];
        let mut next = starts.clone();
        for (row, g) in std::iter::once((first, g)).chain(kept) {
            placed[next[g]] = row;
            next[g] += 1;
        }
        Grouped { rows: placed, starts }
    }

    /// The rows of group `g` (none past the last group).
    pub fn of(&self, g: usize) -> &[T] {
        let range = self.starts.get(g).zip(self.starts.get(g + 1));
        range.and_then(|(&start, &end)| self.rows.get(start..end)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Grouped;

    #[test]
    fn groups_keep_row_order_and_leave_out_rows_without_a_group() {
        let rows = ["a", "b", "c", "d", "e", "f"];
        let owners = [2, 0, usize::MAX, 2, 0, 7];
        let groups = Grouped::new(rows.into_iter().zip(owners), 4);
        let of = |g| groups.of(g).to_vec();
        assert_eq!((of(0), of(1), of(2), of(3)), (vec!["b", "e"], vec![], vec!["a", "d"], vec![]));
        assert!(groups.of(9).is_empty());
        let none: [(&str, usize); 0] = [];
        assert!(Grouped::new(none.into_iter(), 2).of(1).is_empty());
    }
}
