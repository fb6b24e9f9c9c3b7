/** The progress model of a Data Prepper copy: every state and the moves between them. */
import { assert, assertEquals } from "../assert.ts";
import {
  createProgress,
  nextState,
  type PipelineMetrics,
  pipelineMetrics,
  type Poll,
  type ProgressModel,
  type ProgressOptions,
  zeroMetrics,
} from "../../src/dataprepper/progress.ts";
import { parsePrometheusText } from "../../src/dataprepper/prometheus.ts";

function metrics(partial: Partial<PipelineMetrics> = {}): PipelineMetrics {
  return { ...zeroMetrics(), ...partial };
}

/** One answered poll of the single pipeline `p`, `seconds` after the start. */
function poll(seconds: number, partial: Partial<PipelineMetrics> = {}): Poll {
  return { at: seconds * 1000, answered: true, pipelines: { p: metrics(partial) } };
}

function down(seconds: number): Poll {
  return { at: seconds * 1000, answered: false, pipelines: {} };
}

function run(options: ProgressOptions, polls: Poll[]): ProgressModel {
  return polls.reduce(nextState, createProgress(options));
}

const TWO_INDICES: ProgressOptions = { expectedDocuments: 1000, expectedPartitions: 2 };

/** Everything copied and acknowledged, the source idle-polling: `tick` is noPartitionsAcquired. */
function done(seconds: number, tick: number, partial: Partial<PipelineMetrics> = {}): Poll {
  return poll(seconds, {
    documentsSuccess: 1000,
    documentsProcessed: 1000,
    partitionsCreated: 2,
    partitionsCompleted: 2,
    noPartitionsAcquired: tick,
    ...partial,
  });
}

Deno.test("before any poll: running, nothing copied, no rate", () => {
  const { state } = createProgress(TWO_INDICES);
  assertEquals(state, {
    kind: "running",
    copied: 0,
    expected: 1000,
    percent: 0,
    errors: 0,
    retries: 0,
    stalledPolls: 0,
  });
});

Deno.test("running: copied, percent, docs/s and ETA over the window", () => {
  let model = run({ expectedDocuments: 10_000, expectedPartitions: 1 }, [
    poll(0, { documentsSuccess: 0 }),
  ]);
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.docsPerSecond, undefined);
  assertEquals(model.state.etaSeconds, undefined);
  model = nextState(model, poll(10, { documentsSuccess: 1000, bulkRequestNumberOfRetries: 3 }));
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.copied, 1000);
  assertEquals(model.state.percent, 10);
  assertEquals(model.state.docsPerSecond, 100);
  assertEquals(model.state.etaSeconds, 90);
  assertEquals(model.state.retries, 3);
  // The window forgets polls older than 60 s: the rate follows the recent pace.
  model = nextState(model, poll(70, { documentsSuccess: 7000 }));
  model = nextState(model, poll(80, { documentsSuccess: 7500 }));
  assertEquals(model.state.docsPerSecond, (7500 - 1000) / 70);
  // The base is the newest poll at least 60 s old: the one at 80 s.
  model = nextState(model, poll(140, { documentsSuccess: 9000 }));
  assertEquals(model.state.docsPerSecond, 25);
  assertEquals(model.state.etaSeconds, 40);
});

Deno.test("complete: every condition of notes 4.4 on two polls", () => {
  const model = run(TWO_INDICES, [done(0, 1), done(5, 2)]);
  assertEquals(model.state.kind, "complete");
  assertEquals(model.state.percent, 100);
  assertEquals(model.state.etaSeconds, 0);
});

Deno.test("not complete while any one condition is missing", () => {
  const cases: Array<[string, Poll[]]> = [
    ["a single poll cannot show the source idling", [done(0, 1)]],
    ["documents short of expected", [done(0, 1), done(5, 2, { documentsSuccess: 999 })]],
    ["an index not completed", [done(0, 1), done(5, 2, { partitionsCompleted: 1 })]],
    [
      "a partition created beyond the expected ones and still open",
      [done(0, 1), done(5, 2, { partitionsCreated: 3 })],
    ],
    ["records in flight", [done(0, 1), done(5, 2, { recordsInFlight: 1 })]],
    ["records in the buffer", [done(0, 1), done(5, 2, { recordsInBuffer: 7 })]],
    ["an unknown (NaN) buffer gauge", [done(0, 1), done(5, 2, { recordsInFlight: Number.NaN })]],
    ["the source not polling for work", [done(0, 2), done(5, 2)]],
    [
      "documents read that the sink has not answered",
      [done(0, 1, { documentsProcessed: 1200 }), done(5, 2, { documentsProcessed: 1200 })],
    ],
    [
      "the sink still answering",
      [done(0, 1, { documentsSuccess: 990 }), done(5, 2, { documentsSuccess: 1000 })],
    ],
  ];
  for (const [what, polls] of cases) {
    assert(run(TWO_INDICES, polls).state.kind !== "complete", what);
  }
});

Deno.test("with several pipelines, complete only when every one is idle-polling", () => {
  const half = (tick: number) =>
    metrics({
      documentsSuccess: 500,
      documentsProcessed: 500,
      partitionsCreated: 1,
      partitionsCompleted: 1,
      noPartitionsAcquired: tick,
    });
  const both = (seconds: number, a: number, b: number): Poll => ({
    at: seconds * 1000,
    answered: true,
    pipelines: { "p-1": half(a), "p-2": half(b) },
  });
  assertEquals(run(TWO_INDICES, [both(0, 1, 1), both(5, 2, 1)]).state.kind, "running");
  assertEquals(run(TWO_INDICES, [both(0, 1, 1), both(5, 2, 2)]).state.kind, "complete");
});

Deno.test("expected = 0 documents: complete once the (empty) indices are done", () => {
  const empty: ProgressOptions = { expectedDocuments: 0, expectedPartitions: 1 };
  const idleSource = (seconds: number, tick: number) =>
    poll(seconds, { partitionsCreated: 1, partitionsCompleted: 1, noPartitionsAcquired: tick });
  let model = run(empty, [idleSource(0, 1)]);
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.percent, 100);
  assertEquals(model.state.etaSeconds, 0);
  model = nextState(model, idleSource(5, 2));
  assertEquals(model.state.kind, "complete");
});

Deno.test("no partition expected: never complete (nothing shows the copy ran), idle instead", () => {
  const model = run({ expectedDocuments: 0, expectedPartitions: 0, idlePolls: 2 }, [
    poll(0, { noPartitionsAcquired: 1 }),
    poll(5, { noPartitionsAcquired: 2 }),
    poll(10, { noPartitionsAcquired: 3 }),
  ]);
  assertEquals(model.state.kind, "idle");
});

Deno.test("idle: no counter moves for N polls; noPartitionsAcquired ticking does not count", () => {
  const options = { ...TWO_INDICES, idlePolls: 3 };
  const stuck = (seconds: number, tick: number) =>
    poll(seconds, {
      documentsSuccess: 400,
      documentsProcessed: 400,
      partitionsCreated: 2,
      partitionsCompleted: 1,
      noPartitionsAcquired: tick,
    });
  let model = run(options, [stuck(0, 1), stuck(5, 2), stuck(10, 3)]);
  assertEquals(model.state.kind, "running");
  assertEquals(model.unchangedPolls, 2);
  model = nextState(model, stuck(15, 4));
  assertEquals(model.state.kind, "idle");
  if (model.state.kind === "idle") assertEquals(model.state.unchangedPolls, 3);
  assertEquals(model.state.stalledPolls, 3);
  // Any other counter moving makes it run again.
  model = nextState(model, poll(20, { ...stuck(20, 5).pipelines.p, recordsInBuffer: 10 }));
  assertEquals(model.state.kind, "running");
  assertEquals(model.unchangedPolls, 0);
});

Deno.test("idle uses the default of 5 polls", () => {
  const same = (seconds: number) => poll(seconds, { documentsSuccess: 10, documentsProcessed: 10 });
  const polls = [0, 1, 2, 3, 4].map(same);
  assertEquals(run(TWO_INDICES, polls).state.kind, "running");
  assertEquals(run(TWO_INDICES, [...polls, same(5)]).state.kind, "idle");
});

Deno.test("bulk retries rising are activity, not idle; stalledPolls still counts", () => {
  const retrying = (seconds: number, retries: number) =>
    poll(seconds, {
      documentsSuccess: 10,
      documentsProcessed: 500,
      bulkRequestNumberOfRetries: retries,
    });
  const model = run({ ...TWO_INDICES, idlePolls: 2 }, [
    retrying(0, 1),
    retrying(5, 2),
    retrying(10, 3),
    retrying(15, 4),
  ]);
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.stalledPolls, 3);
});

Deno.test("failing: the metrics endpoint unanswered N polls in a row; it recovers", () => {
  let model = run(TWO_INDICES, [poll(0, { documentsSuccess: 100 })]);
  for (let i = 1; i <= 4; i++) model = nextState(model, down(i * 5));
  // Fewer than 5: the last answer stands.
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.copied, 100);
  model = nextState(model, down(25));
  assertEquals(model.state.kind, "failing");
  if (model.state.kind === "failing") {
    assertEquals(model.state.reason, "metrics-unreachable");
    assertEquals(model.state.detail, "the metrics endpoint has not answered the last 5 polls");
  }
  assertEquals(model.state.copied, 100);
  model = nextState(model, poll(30, { documentsSuccess: 200 }));
  assertEquals(model.state.kind, "running");
  assertEquals(model.unreachablePolls, 0);
});

Deno.test("failing: never answered since the start, with a custom threshold", () => {
  const model = run({ ...TWO_INDICES, unreachablePolls: 2 }, [down(0), down(5)]);
  assertEquals(model.state.kind, "failing");
  if (model.state.kind === "failing") {
    assertEquals(
      model.state.detail,
      "the metrics endpoint has not answered any of 2 polls since the start",
    );
  }
});

Deno.test("unanswered polls do not break the comparison with the last answer", () => {
  const model = run(TWO_INDICES, [done(0, 1), down(5), done(10, 2)]);
  assertEquals(model.state.kind, "complete");
});

Deno.test("failing: documentErrors rising; back to running when they stop", () => {
  let model = run(TWO_INDICES, [poll(0, { documentsSuccess: 100, documentsProcessed: 100 })]);
  model = nextState(
    model,
    poll(5, { documentsSuccess: 190, documentErrors: 10, documentsProcessed: 200 }),
  );
  assertEquals(model.state.kind, "failing");
  if (model.state.kind === "failing") {
    assertEquals(model.state.reason, "document-errors");
    assertEquals(
      model.state.detail,
      "the target refused 10 more documents since the last poll (10 in all, in the dead-letter file)",
    );
  }
  assertEquals(model.state.errors, 10);
  model = nextState(
    model,
    poll(10, { documentsSuccess: 290, documentErrors: 10, documentsProcessed: 300 }),
  );
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.errors, 10);
});

Deno.test("counters going back (a new process) reset the rate instead of going negative", () => {
  const model = run({ expectedDocuments: 10_000, expectedPartitions: 1 }, [
    poll(0, { documentsSuccess: 0 }),
    poll(10, { documentsSuccess: 5000 }),
    poll(20, { documentsSuccess: 100 }),
  ]);
  assertEquals(model.state.kind, "running");
  assertEquals(model.state.docsPerSecond, undefined);
  assertEquals(model.state.copied, 100);
});

Deno.test("pipelineMetrics reads each field from its series; missing ones read 0", () => {
  const samples = parsePrometheusText([
    'fm_1_opensearch_documentsSuccess_total{serviceName="dataprepper",} 10.0',
    'fm_1_opensearch_documentErrors_total{serviceName="dataprepper",} 1.0',
    'fm_1_opensearch_documentsProcessed_total{serviceName="dataprepper",} 12.0',
    'fm_1_BlockingBuffer_recordsInFlight{serviceName="dataprepper",} 1.0',
    'fm_1_BlockingBuffer_recordsInBuffer{serviceName="dataprepper",} 0.0',
    'fm_1_source_coordinator_partitionsCreatedCount_total{serviceName="dataprepper",} 2.0',
    'fm_1_source_coordinator_partitionsCompleted_total{serviceName="dataprepper",} 1.0',
    'fm_1_source_coordinator_noPartitionsAcquired_total{serviceName="dataprepper",} 4.0',
    'fm_1_opensearch_bulkRequestNumberOfRetries_total{serviceName="dataprepper",} 3.0',
    'fm_2_opensearch_documentsProcessed_total{serviceName="dataprepper",} 7.0',
  ].join("\n"));
  assertEquals(pipelineMetrics(samples, "fm-1"), {
    documentsSuccess: 10,
    documentErrors: 1,
    documentsProcessed: 12,
    recordsInFlight: 1,
    recordsInBuffer: 0,
    partitionsCreated: 2,
    partitionsCompleted: 1,
    noPartitionsAcquired: 4,
    bulkRequestNumberOfRetries: 3,
  });
  // The sink is not built yet: only the source's counter is there.
  assertEquals(pipelineMetrics(samples, "fm-2"), metrics({ documentsProcessed: 7 }));
});
