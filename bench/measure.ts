/**
 * Measuring a process the bench starts: its peak resident memory (`VmHWM` of it and of its
 * children, read from `/proc` every 200 ms) and the CPU time it used.
 */

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** What the polling saw of a process tree. */
export interface ProcessStats {
  /** Highest sum of `VmHWM` over the process and its descendants, in bytes. */
  peakRssBytes: number;
  /** User + system CPU of the process and its reaped children, in seconds (last sample). */
  cpuSeconds: number;
  samples: number;
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** `VmHWM` of one process, in bytes. */
function highWaterMark(pid: number): number {
  const status = readText(`/proc/${pid}/status`);
  const match = status && /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** utime + stime + cutime + cstime of one process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the name start at field 3 (state); utime is field 14.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return (utime + stime + cutime + cstime) / CLOCK_TICKS;
}

/** CPU seconds the whole machine spent busy since boot (`/proc/stat`, all cores). */
export function machineBusySeconds(): number | undefined {
  const line = readText("/proc/stat")?.split("\n")[0];
  if (!line?.startsWith("cpu ")) return undefined;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/)
    .slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) / CLOCK_TICKS;
}

/** The process and every descendant alive now. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const tasks = (() => {
      try {
        return [...Deno.readDirSync(`/proc/${tree[i]}/task`)].map((entry) => entry.name);
      } catch {
        return [];
      }
    })();
    for (const task of tasks) {
      const children = readText(`/proc/${tree[i]}/task/${task}/children`);
      for (const child of children?.trim().split(/\s+/) ?? []) {
        if (child) tree.push(Number(child));
      }
    }
  }
  return tree;
}

/** Polls one process tree until {@link stop}. */
export class ProcessMonitor {
  readonly stats: ProcessStats = { peakRssBytes: 0, cpuSeconds: 0, samples: 0 };
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(readonly pid: number, intervalMs = 200) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const tree = processTree(this.pid);
    const rss = tree.reduce((sum, pid) => sum + highWaterMark(pid), 0);
    if (rss === 0) return; // gone already
    this.stats.peakRssBytes = Math.max(this.stats.peakRssBytes, rss);
    const cpu = tree.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    this.stats.cpuSeconds = Math.max(this.stats.cpuSeconds, cpu);
    this.stats.samples++;
  }

  stop(): ProcessStats {
    clearInterval(this.#timer);
    return this.stats;
  }
}

/** What a monitored child did. */
export interface ChildResult extends ProcessStats {
  code: number;
  /** Its whole stdout. */
  stdout: string;
  logPath: string;
}

/**
 * Runs a command with its stdout kept (and copied to `logPath`) and its stderr written to
 * `logPath`, polling its memory and CPU while it runs.
 */
export async function runMonitored(
  command: string,
  args: string[],
  logPath: string,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ChildResult> {
  const logFile = await Deno.open(logPath, { create: true, write: true, truncate: true });
  const encoder = new TextEncoder();
  await logFile.write(encoder.encode(`$ ${command} ${args.join(" ")}\n`));
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const monitor = new ProcessMonitor(child.pid);
  const chunks: Uint8Array[] = [];
  const readStdout = (async () => {
    for await (const chunk of child.stdout) chunks.push(chunk);
  })();
  const copyStderr = (async () => {
    for await (const chunk of child.stderr) await logFile.write(chunk);
  })();
  const status = await child.status;
  const stats = monitor.stop();
  await Promise.all([readStdout, copyStderr]);
  const stdout = new TextDecoder().decode(concat(chunks));
  await logFile.write(encoder.encode(`--- stdout ---\n${stdout}\n--- exit ${status.code} ---\n`));
  logFile.close();
  return { ...stats, code: status.code, stdout, logPath };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The last lines of a log file, for a failure's note. */
export async function logTail(path: string, lines = 5): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-lines).join(" / ");
  } catch {
    return "";
  }
}
