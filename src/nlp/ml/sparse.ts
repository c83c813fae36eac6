/** Sparse vectors for the text classifiers: sorted feature indexes with their values. */

/** A sparse vector: `indices` ascending and unique, `values[i]` the value at `indices[i]`. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

/** Builds a sparse vector from a feature → value map (zeros dropped, indexes sorted). */
export function sparseFromMap(map: ReadonlyMap<number, number>): SparseVector {
  const keys = [...map.keys()].filter((k) => map.get(k) !== 0).sort((a, b) => a - b);
  const indices = new Int32Array(keys.length);
  const values = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    indices[i] = k;
    values[i] = map.get(k) ?? 0;
  });
  return { indices, values };
}

/** Dot product of a sparse vector with a row of a dense row-major matrix (`row * dim` offset). */
export function sparseDot(x: SparseVector, dense: Float64Array, offset = 0): number {
  let s = 0;
  const { indices, values } = x;
  for (let i = 0; i < indices.length; i++) s += (values[i] as number) * (dense[offset + (indices[i] as number)] as number);
  return s;
}

/** Scales `x` in place to unit Euclidean length (a zero vector stays zero). */
export function l2NormalizeInPlace(x: SparseVector): SparseVector {
  let n = 0;
  for (const v of x.values) n += v * v;
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < x.values.length; i++) x.values[i] = (x.values[i] as number) * inv;
  }
  return x;
}

/** Concatenates feature blocks: `b`'s indexes are shifted by `offset` (the width of `a`'s space). */
export function sparseConcat(a: SparseVector, b: SparseVector, offset: number): SparseVector {
  const indices = new Int32Array(a.indices.length + b.indices.length);
  const values = new Float64Array(indices.length);
  indices.set(a.indices, 0);
  values.set(a.values, 0);
  for (let i = 0; i < b.indices.length; i++) {
    indices[a.indices.length + i] = (b.indices[i] as number) + offset;
    values[a.indices.length + i] = b.values[i] as number;
  }
  return { indices, values };
}
