/** The `vigil` command line, one file per command. */
import { Command } from 'commander';
import { registerNlp } from '../nlp/cli.ts';
import { registerWarninglists } from '../nlp/ioc/cli.ts';
import { registry } from '../sources/registry.ts';
import { registerAdvisories } from './advisories.ts';
import { registerAlerts } from './alerts.ts';
import { registerAnalyze } from './analyze.ts';
import { registerCvss } from './cvss.ts';
import { registerDemo } from './demo.ts';
import { registerDoctor } from './doctor.ts';
import { registerExport } from './export.ts';
import { registerExposure } from './exposure.ts';
import { registerImport } from './import.ts';
import { registerIntel } from './intel.ts';
import { registerIocs } from './iocs.ts';
import { registerMigrate } from './migrate.ts';
import { registerReport } from './report.ts';
import { registerRun } from './run.ts';
import { registerServe } from './serve.ts';
import { registerShow } from './show.ts';
import { registerStatus } from './status.ts';
import { registerSync } from './sync.ts';
import { registerTop } from './top.ts';
import { registerTrends } from './trends.ts';
import { registerUsers } from './users.ts';
import { registerVirusTotal } from './vt.ts';
import { registerWatch } from './watch.ts';

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command()
    .name('vigil')
    .description(
      `Vigil: collect ${registry.map((r) => r.source.id).join(', ')} into one ranked record per CVE with its advisories and exploits, watch it, and alert`,
    )
    .version('0.1.0')
    .option('--config <file>', 'config file (YAML or JSON; default ./vigil.config.yaml or $VIGIL_CONFIG)')
    .option(
      '--db <file|url>',
      'store: a SQLite database file, or postgres://[user[:password]@]host[:port]/database[?schema=NAME] (default vigil.db or $VIGIL_DB)',
    )
    .showHelpAfterError();
  registerDemo(program);
  registerImport(program);
  registerSync(program);
  registerShow(program);
  registerTop(program);
  registerAdvisories(program);
  registerIntel(program);
  registerAnalyze(program);
  registerIocs(program);
  registerExport(program);
  registerTrends(program);
  registerExposure(program);
  registerReport(program);
  registerVirusTotal(program);
  registerWarninglists(program);
  registerNlp(program);
  registerCvss(program);
  registerStatus(program);
  registerRun(program);
  registerServe(program);
  registerWatch(program);
  registerUsers(program);
  registerAlerts(program);
  registerDoctor(program);
  registerMigrate(program);
  return program;
}
