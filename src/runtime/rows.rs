//! A sequence kept as the chunks it was built in, one per batch: joining the batches' rows into
//! the run's moves no row (a copy of every event and link would briefly double the memory they
//! take, the largest part of a run's).

use std::ops::Index;

/// Rows in order, held in chunks.
#[derive(Debug, Clone)]
pub struct Rows<T> {
    chunks: Vec<Vec<T>>,
    /// The index of each chunk's first row.
    starts: Vec<usize>,
    len: usize,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows { chunks: Vec::new(), starts: Vec::new(), len: 0 }
    }
}

impl<T> Rows<T> {
    /// The rows of `chunks`, in order.
    pub fn from_chunks(chunks: impl IntoIterator<Item = Vec<T>>) -> Self {
        let mut rows = Rows::default();
        for chunk in chunks {
            rows.append(chunk);
        }
        rows
    }

    /// Adds `chunk`'s rows at the end, without moving them.
    pub fn append(&mut self, chunk: Vec<T>) {
        if chunk.is_empty() {
            return;
        }
        self.starts.push(self.len);
        self.len += chunk.len();
        self.chunks.push(chunk);
    }

    /// Adds one row at the end.
    pub fn push(&mut self, row: T) {
        match self.chunks.last_mut() {
            Some(last) => last.push(row),
            None => {
                self.starts.push(0);
                self.chunks.push(vec![row]);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone {
        self.chunks.iter().flatten()
    }

    /// The chunks in order, each with the index of its first row, for parallel work.
    pub fn par_chunks(&self) -> impl rayon::iter::IndexedParallelIterator<Item = (usize, &[T])>
    where
        T: Sync,
    {
        use rayon::prelude::*;
        self.starts.par_iter().copied().zip(self.chunks.par_iter().map(Vec::as_slice))
    }

    /// Row `i`, found by its chunk.
    pub fn get(&self, i: usize) -> Option<&T> {
        let chunk = self.starts.partition_point(|&s| s <= i).checked_sub(1)?;
        self.chunks.get(chunk)?.get(i - self.starts[chunk])
    }
}

impl<T> Index<usize> for Rows<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(row) => row,
            None => panic!("row {i} of {}", self.len),
        }
    }
}

impl<T> From<Vec<T>> for Rows<T> {
    fn from(rows: Vec<T>) -> Self {
        Rows::from_chunks([rows])
    }
}

impl<T> FromIterator<T> for Rows<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Rows::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T> Extend<T> for Rows<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for row in iter {
            self.push(row);
        }
    }
}

impl<T> IntoIterator for Rows<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

impl<'a, T> IntoIterator for &'a Rows<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_in_order_across_chunks() {
        let mut rows = Rows::from_chunks([vec![0, 1], vec![], vec![2], vec![3, 4, 5]]);
        rows.push(6);
        rows.append(vec![7]);
        rows.extend([8]);
        assert_eq!(rows.len(), 9);
        assert_eq!(rows.iter().copied().collect::<Vec<_>>(), (0..9).collect::<Vec<_>>());
        assert!((0..9).all(|i| rows[i] == i));
        assert_eq!(rows.get(9), None);
        assert_eq!(rows.iter().next_back(), Some(&8));
        assert_eq!(rows.into_iter().sum::<usize>(), 36);
        let mut empty: Rows<u8> = Rows::default();
        assert_eq!((empty.get(0), empty.is_empty()), (None, true));
        empty.push(1);
        assert_eq!(empty[0], 1);
    }
}
