/**
 * How every command's help reads: the headings its options are grouped under, one wording of the
 * journal's default, the global `-v`/`-q` listed in each command's help, and a width capped so
 * that a wide terminal does not stretch lines past what reads comfortably.
 */
import { type Command, Help, type Option } from "../deps.ts";

/**
 * The option headings. A command registers its own group first, then those it shares, in this
 * order, so the same kind of option is found at the same place in every command's help.
 */
export const HELP_GROUPS = {
  selection: "Selection:",
  copy: "Copy:",
  nativeCopy: "Copy (native engine):",
  dataPrepper: "Data Prepper engine:",
  endpoints: "Endpoints:",
  source: "Source credentials and TLS:",
  target: "Target credentials and TLS:",
  output: "Output:",
  global: "Global Options:",
} as const;

/** The widest help a terminal gets; narrower terminals wrap at their width, pipes at 80. */
export const MAX_HELP_WIDTH = 100;

/**
 * Where a journal goes when `--journal` is left out, in the one wording every command uses
 * (run, metadata and sync write there; rollback finds it there).
 */
export const JOURNAL_DEFAULT =
  "default: the pair's run journal in $XDG_STATE_HOME/fetch-migration or " +
  "~/.local/state/fetch-migration";

/** The help width for a terminal of `columns`; none (not a terminal): commander's 80. */
export function helpWidthFor(columns: number | undefined): number {
  return Math.min(columns ?? 80, MAX_HELP_WIDTH);
}

function terminalColumns(stream: { isTerminal(): boolean }): number | undefined {
  if (!stream.isTerminal()) return undefined;
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined;
  }
}

/**
 * Sets up the help of `program` and of every command registered on it afterwards (commander
 * copies these settings to a command when it is created): widths capped at
 * {@link MAX_HELP_WIDTH}, and the root's options (`-v`, `-q`, ...) with `-h, --help` listed
 * under "Global Options:" in each command's help, after the command's own groups.
 */
export function setUpHelp(program: Command): Command {
  return program
    .configureOutput({
      getOutHelpWidth: () => helpWidthFor(terminalColumns(Deno.stdout)),
      getErrHelpWidth: () => helpWidthFor(terminalColumns(Deno.stderr)),
    })
    .configureHelp({
      showGlobalOptions: true,
      // The list of commands shows names only: their arguments are in each one's help, and
      // long terms such as `metadata [options] [pipeline] [output]` squeezed the summaries.
      subcommandTerm: (command: Command) => command.name(),
      visibleOptions(this: Help, command: Command): Option[] {
        const options = Help.prototype.visibleOptions.call(this, command);
        return command.parent ? options.filter((option) => !isHelpOption(option)) : options;
      },
      visibleGlobalOptions(this: Help, command: Command): Option[] {
        const globals = Help.prototype.visibleGlobalOptions.call(this, command);
        if (!command.parent) return globals;
        // -h, --help works on every command, so it is listed with the other global options.
        const help = Help.prototype.visibleOptions.call(this, command).filter(isHelpOption);
        return [...globals, ...help];
      },
    });
}

function isHelpOption(option: Option): boolean {
  return option.long === "--help";
}

/**
 * Registers the options `add` adds under `heading`, then puts back the command's default group,
 * so options registered later do not land under this heading by accident.
 */
export function inGroup(
  command: Command,
  heading: string,
  add: (command: Command) => unknown,
): Command {
  const previous = command.optionsGroup();
  command.optionsGroup(heading);
  add(command);
  return command.optionsGroup(previous);
}
