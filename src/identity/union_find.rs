//! A plain union-find over dense indices (path halving, union by size).

#[derive(Debug, Clone)]
pub(crate) struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n).collect(), size: vec![1; n] }
    }

    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns the new root and the absorbed one (`None` when
    /// they were already one set).
    pub(crate) fn union(&mut self, a: usize, b: usize) -> Option<(usize, usize)> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return None;
        }
        let (root, child) = if self.size[ra] >= self.size[rb] { (ra, rb) } else { (rb, ra) };
        self.parent[child] = root;
        self.size[root] += self.size[child];
        Some((root, child))
    }

    /// The group number of each of `0..n`, groups numbered in order of their smallest member,
    /// and how many groups there are.
    pub(crate) fn labels(&mut self) -> (Vec<usize>, usize) {
        let n = self.parent.len();
        let mut slot = vec![usize::MAX; n];
        let mut count = 0;
        let label = (0..n)
            .map(|x| {
                let r = self.find(x);
                if slot[r] == usize::MAX {
                    slot[r] = count;
                    count += 1;
                }
                slot[r]
            })
            .collect();
        (label, count)
    }

    /// Groups `0..n` by set; groups in order of their smallest member, members ascending.
    pub(crate) fn groups(&mut self) -> Vec<Vec<usize>> {
        let (label, count) = self.labels();
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (x, g) in label.into_iter().enumerate() {
            groups[g].push(x);
        }
        groups
    }
}
