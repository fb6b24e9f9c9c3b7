/**
 * `--profile-nodes`: where es7's and os2's CPU goes while the native engine copies. Java Flight
 * Recorder runs inside each node (`jcmd <pid> JFR.start`, settings `default`, about 1 % overhead)
 * for one extra, untimed run; its execution samples are sorted into kinds of work by their stack
 * frames. The question it answers: is a copy's cost on the nodes the tool's doing (request shapes,
 * page sizes, refreshes) or work any copy must pay (reading stored fields, indexing)?
 *
 * The nodes must be local JVMs this process may attach to (as root, jcmd runs as the node's user).
 */
import { run } from "../tests/harness/shell.ts";
import { fixed, formatCount, log, markdownTable } from "./format.ts";
import { sendJson } from "./http.ts";

/** A kind of work, recognised by any frame of a sample's stack matching `frames`. */
export interface WorkKind {
  label: string;
  frames: RegExp;
}

/**
 * Kinds of work in the order they are tried: the first kind with a matching frame anywhere in
 * the stack takes the sample, so the narrower kinds come first (a flush runs inside a bulk).
 */
export const WORK_KINDS: readonly WorkKind[] = [
  {
    label: "read stored fields (decompress `_source`, `_id`)",
    frames: /StoredFieldsReader|compress\.LZ4\.decompress|Decompressor\.decompress/,
  },
  { label: "search: query, sort, collect", frames: /search\.query\.|TopFieldCollector|BulkScorer/ },
  { label: "search: fetch phase, other", frames: /search\.fetch\./ },
  { label: "merge segments", frames: /SegmentMerger|IndexWriter\.merge|MergeScheduler/ },
  {
    label: "write segments (flush: compress, doc values, terms)",
    frames: /DocumentsWriterPerThread\.flush|IndexingChain\.flush|DocumentsWriter\.doFlush/,
  },
  {
    label: "index in memory (invert, doc values)",
    frames: /IndexingChain|IndexWriter\.\w*Document/,
  },
  { label: "parse and map each document", frames: /DocumentParser|DocumentMapper\.parse/ },
  { label: "translog", frames: /[Tt]ranslog/ },
  {
    label: "bulk and REST handling",
    frames: /BulkRequestParser|RestBulkAction|TransportShardBulkAction|TransportBulkAction/,
  },
  { label: "write answers (JSON)", frames: /toXContent|XContentBuilder|JsonGenerator/ },
  { label: "network (Netty)", frames: /io\.netty\./ },
];

/** What is left when no kind matches. */
export const OTHER_WORK = "other";

/** The frames of each `jdk.ExecutionSample` in `jfr print` text, innermost first. */
export function parseExecutionSamples(text: string): string[][] {
  const samples: string[][] = [];
  for (const block of text.split("jdk.ExecutionSample {").slice(1)) {
    const start = block.indexOf("stackTrace = [");
    if (start < 0) continue;
    const end = block.indexOf("\n  ]", start);
    const frames = block.slice(start, end < 0 ? undefined : end).split("\n").slice(1)
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && line !== "...")
      .map((line) => line.replace(/\s+line:\s*\d+$/, ""));
    if (frames.length > 0) samples.push(frames);
  }
  return samples;
}

/** Samples per kind of work, the largest first; kinds with no sample are left out. */
export function classifySamples(
  samples: string[][],
  kinds: readonly WorkKind[] = WORK_KINDS,
): Array<{ label: string; samples: number }> {
  const counts = new Map<string, number>();
  for (const frames of samples) {
    const kind = kinds.find((candidate) => frames.some((frame) => candidate.frames.test(frame)));
    const label = kind?.label ?? OTHER_WORK;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, count]) => ({ label, samples: count }))
    .sort((a, b) => b.samples - a.samples);
}

/**
 * Seconds of garbage-collector CPU (user + system) in `jfr print --events jdk.GCCPUTime` text;
 * undefined when the JVM records no such event (the collector's threads are not sampled).
 */
export function gcCpuSeconds(text: string): number | undefined {
  let seconds: number | undefined;
  for (const match of text.matchAll(/(?:userTime|systemTime) = ([\d.]+) (ms|s)\b/g)) {
    seconds = (seconds ?? 0) + Number(match[1]) / (match[2] === "ms" ? 1000 : 1);
  }
  return seconds;
}

/** One node's profile: samples per kind of work, and the collector's CPU. */
export interface NodeProfile {
  node: string;
  samples: number;
  kinds: Array<{ label: string; samples: number }>;
  gcCpuSeconds?: number;
}

/** A node that could not be recorded, and why. */
export interface NodeNotProfiled {
  node: string;
  notRun: string;
}

/**
 * The report's section: per kind of work, each node's share of its samples (kinds in the order
 * of their largest share), then the samples and the collector's CPU; a node not recorded says why.
 */
export function profileSection(
  profiles: Array<NodeProfile | NodeNotProfiled>,
  what: string,
): string {
  const recorded = profiles.filter((profile): profile is NodeProfile => "kinds" in profile);
  const share = (profile: NodeProfile, label: string) => {
    const count = profile.kinds.find((kind) => kind.label === label)?.samples ?? 0;
    return profile.samples > 0 ? count / profile.samples : 0;
  };
  const labels = [...new Set(recorded.flatMap((profile) => profile.kinds.map((k) => k.label)))]
    .sort((a, b) =>
      Math.max(...recorded.map((p) => share(p, b))) - Math.max(...recorded.map((p) => share(p, a)))
    );
  const lines = [
    `Where the nodes' CPU went (\`--profile-nodes\`): Java Flight Recorder in each node during ${what}, ` +
    "untimed. Each Java thread's stack is sampled every 20 ms while it runs; a sample counts for " +
    "the first kind of work below with a frame in its stack (bench/profile.ts). The collector's " +
    "own threads are not sampled: their CPU is the last line.",
    "",
  ];
  if (recorded.length > 0) {
    lines.push(markdownTable(
      ["kind of work", ...recorded.map((profile) => `${profile.node} share of samples`)],
      [
        ...labels.map((label) => [
          label,
          ...recorded.map((profile) => `${(100 * share(profile, label)).toFixed(1)} %`),
        ]),
        ["samples", ...recorded.map((profile) => formatCount(profile.samples))],
        [
          "garbage collector CPU s",
          ...recorded.map((profile) => fixed(profile.gcCpuSeconds, 1)),
        ],
      ],
    ));
  }
  for (const profile of profiles) {
    if ("notRun" in profile) lines.push("", `- ${profile.node}: not recorded: ${profile.notRun}`);
  }
  return lines.join("\n");
}

/** A recording running inside one node. */
interface Recording {
  node: string;
  stop(): Promise<NodeProfile>;
}

/**
 * Starts a recording in the node at `url` (named `node` in the report), written under `dir`.
 * Throws a message naming what is missing when the node cannot be attached to.
 */
async function startRecording(node: string, url: string, dir: string): Promise<Recording> {
  const pid = await nodePid(url);
  const javaBin = (await Deno.realPath(`/proc/${pid}/exe`)).replace(/\/java$/, "");
  const user = await processUser(pid);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.chmod(dir, 0o777); // the node's user writes the recording
  const file = `${dir}/${node}.jfr`;
  const name = `fm-bench-${node}`;
  // `duration`: a bench killed before it stops the recording leaves none running for long.
  await jcmd(javaBin, user, pid, [
    "JFR.start",
    `name=${name}`,
    "settings=default",
    "duration=1h",
    `filename=${file}`,
  ]);
  return {
    node,
    stop: async () => {
      await jcmd(javaBin, user, pid, ["JFR.stop", `name=${name}`]);
      const samples = parseExecutionSamples(
        await jfrPrint(javaBin, ["--events", "jdk.ExecutionSample", "--stack-depth", "64", file]),
      );
      const gc = gcCpuSeconds(await jfrPrint(javaBin, ["--events", "jdk.GCCPUTime", file]));
      return { node, samples: samples.length, kinds: classifySamples(samples), gcCpuSeconds: gc };
    },
  };
}

/**
 * Runs `measured` with a recording in each node, and returns their profiles; a node that cannot
 * be recorded gives the reason instead (the bench goes on without it).
 */
export async function profileNodes(
  nodes: Record<string, string>,
  dir: string,
  measured: () => Promise<void>,
): Promise<Array<NodeProfile | NodeNotProfiled>> {
  const recordings: Array<Recording | NodeNotProfiled> = [];
  for (const [node, url] of Object.entries(nodes)) {
    try {
      recordings.push(await startRecording(node, url, dir));
    } catch (error) {
      recordings.push({ node, notRun: (error as Error).message });
      log(`profile: ${node} not recorded: ${(error as Error).message}`);
    }
  }
  const profiles: Array<NodeProfile | NodeNotProfiled> = [];
  try {
    await measured();
  } finally {
    for (const recording of recordings) {
      profiles.push("stop" in recording ? await stopped(recording) : recording);
    }
  }
  return profiles;
}

/** A recording's profile, or why there is none. */
async function stopped(recording: Recording): Promise<NodeProfile | NodeNotProfiled> {
  try {
    return await recording.stop();
  } catch (error) {
    return { node: recording.node, notRun: (error as Error).message };
  }
}

async function nodePid(url: string): Promise<number> {
  const body = await sendJson<{ nodes?: Record<string, { process?: { id?: number } }> }>(
    "GET",
    `${url}/_nodes/_local/process?filter_path=nodes.*.process.id`,
  );
  const pid = Object.values(body.nodes ?? {})[0]?.process?.id;
  if (!pid) throw new Error(`${url} did not give its process id (_nodes/_local/process)`);
  return pid;
}

async function processUser(pid: number): Promise<string> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  return (await run("id", ["-nu", uid ?? ""], `id -nu (the user of process ${pid})`)).trim();
}

async function jcmd(javaBin: string, user: string, pid: number, args: string[]): Promise<void> {
  // The JVM takes attach requests only from its own user. jcmd says why it failed on stdout,
  // sometimes with exit status 0, so its own check rather than the harness's `run`.
  const asNode = Deno.uid() === 0 && user !== "root";
  const command = asNode ? "runuser" : `${javaBin}/jcmd`;
  const commandArgs = asNode
    ? ["-u", user, "--", `${javaBin}/jcmd`, String(pid), ...args]
    : [String(pid), ...args];
  const output = await new Deno.Command(command, {
    args: commandArgs,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success || /Exception|Could not/.test(text)) {
    throw new Error(`jcmd ${args[0]} in process ${pid} failed: ${text.trim().split("\n")[0]}`);
  }
}

function jfrPrint(javaBin: string, args: string[]): Promise<string> {
  return run(`${javaBin}/jfr`, ["print", ...args], "jfr print");
}
