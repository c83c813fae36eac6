/** Entry point of the `vigil` binary. */
import { VigilError } from '../errors.ts';
import { StoreUnavailableError } from './context.ts';
import { buildProgram } from './program.ts';

// The reader of our output went away (`vigil export csv | head`): stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  if (typeof process.loadEnvFile === 'function') {
    try {
      process.loadEnvFile();
    } catch {
      // no .env file: nothing to load
    }
  }
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const e = err as Error;
  console.error(`vigil: ${e instanceof VigilError || e instanceof StoreUnavailableError ? e.message : (e.stack ?? e.message)}`);
  process.exitCode = 1;
}
