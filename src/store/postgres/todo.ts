/** Placeholder of a PostgreSQL store method not written yet (removed when the back end is complete). */
export function todo(name: string): never {
  throw new Error(`${name}: not implemented on PostgreSQL yet`);
}
