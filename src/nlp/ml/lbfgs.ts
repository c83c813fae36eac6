/**
 * Limited-memory BFGS with a backtracking (Armijo) line search: minimises a smooth convex
 * function of a parameter vector (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms
 * 7.4 and 7.5). Deterministic. Used by the logistic regressions in logistic.ts.
 */

/** Computes the loss at `w` and writes its gradient into `grad`. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

/** Optimiser options. */
export interface LbfgsOptions {
  /** Iterations (outer steps) at most. */
  maxIter: number;
  /** Correction pairs kept (memory: 2 × m × parameters doubles). */
  memory: number;
  /** Stop when the relative loss decrease of a step is under this. */
  tolerance: number;
  /** Called after each iteration (progress bars). */
  onIteration?: (iter: number, loss: number) => void;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Minimises `f` from `w0` (modified in place and returned).
 * @returns the parameters and the final loss.
 */
export function lbfgs(f: Objective, w0: Float64Array, options: Partial<LbfgsOptions> = {}): { w: Float64Array; loss: number; iterations: number } {
  const { maxIter = 100, memory = 7, tolerance = 1e-6, onIteration } = options;
  const n = w0.length;
  const w = w0;
  let grad = new Float64Array(n);
  let loss = f(w, grad);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const wNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Two-loop recursion: dir = -H·grad.
    dir.set(grad);
    const alpha: number[] = new Array(S.length);
    for (let k = S.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(S[k] as Float64Array, dir);
      alpha[k] = a;
      const y = Y[k] as Float64Array;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) - a * (y[i] as number);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last] as Float64Array, Y[last] as Float64Array) / dot(Y[last] as Float64Array, Y[last] as Float64Array);
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) * gamma;
    } else {
      const gn = Math.sqrt(dot(grad, grad)) || 1;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) / gn;
    }
    for (let k = 0; k < S.length; k++) {
      const b = (rho[k] as number) * dot(Y[k] as Float64Array, dir);
      const s = S[k] as Float64Array;
      const a = alpha[k] as number;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) + (a - b) * (s[i] as number);
    }
    for (let i = 0; i < n; i++) dir[i] = -(dir[i] as number);
    let slope = dot(grad, dir);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -(grad[i] as number);
      slope = dot(grad, dir);
    }
    let step = 1;
    let newLoss = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) wNew[i] = (w[i] as number) + step * (dir[i] as number);
      newLoss = f(wNew, gNew);
      if (newLoss <= loss + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(newLoss < loss)) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (wNew[i] as number) - (w[i] as number);
      y[i] = (gNew[i] as number) - (grad[i] as number);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    w.set(wNew);
    const tmp = grad;
    grad = gNew;
    gNew = tmp;
    const decrease = (loss - newLoss) / Math.max(Math.abs(loss), 1e-12);
    loss = newLoss;
    onIteration?.(iter + 1, loss);
    if (decrease < tolerance) {
      iter++;
      break;
    }
  }
  return { w, loss, iterations: iter };
}
