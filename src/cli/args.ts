/** Command-line parsing shared by the local commands: strict options, usage on error or --help. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<T extends Options> = T & { help: { type: 'boolean'; short: 'h' } };
type Values<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: WithHelp<T>; strict: true }>
>['values'];

/**
 * The parsed option values, or the exit code to return at once: 2 (with the usage on stderr) for
 * arguments that do not parse, 0 (usage on stdout) for `--help`.
 */
export function parseCommandLine<T extends Options>(
  argv: string[],
  options: T,
  usage: string,
): Values<T> | number {
  let values: Values<T>;
  try {
    values = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<T>,
      strict: true,
    }).values as Values<T>;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return values;
}
