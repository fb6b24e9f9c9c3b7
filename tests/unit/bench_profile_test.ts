/** The bench's node profiles: JFR samples read, sorted into kinds of work, and reported. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  classifySamples,
  gcCpuSeconds,
  OTHER_WORK,
  parseExecutionSamples,
  profileSection,
} from "../../bench/profile.ts";

// The shape `jfr print --events jdk.ExecutionSample` writes (frames cut short here).
const SAMPLES = `
jdk.ExecutionSample {
  startTime = 15:36:59.100
  sampledThread = "elasticsearch[fm-es7-0][search][T#1]" (javaThreadId = 61)
  state = "STATE_RUNNABLE"
  stackTrace = [
    org.apache.lucene.util.compress.LZ4.decompress(DataInput, int, byte[], int) line: 137
    org.apache.lucene.codecs.compressing.CompressingStoredFieldsReader$BlockState.doReset(int) line: 530
    org.elasticsearch.search.fetch.FetchPhase.loadStoredFields(MapperService, CheckedBiConsumer, FieldsVisitor, int) line: 546
    ...
  ]
}

jdk.ExecutionSample {
  startTime = 15:36:59.120
  sampledThread = "opensearch[fm-os2-0][write][T#2]" (javaThreadId = 70)
  state = "STATE_RUNNABLE"
  stackTrace = [
    java.util.Arrays.equals(byte[], int, int, byte[], int, int) line: 2709
    org.apache.lucene.util.BytesRefHash.findHash(BytesRef) line: 320
    org.apache.lucene.index.IndexingChain.processField(int, IndexableField, IndexingChain$PerField) line: 730
    org.opensearch.action.bulk.TransportShardBulkAction.executeBulkItemRequest(Object) line: 600
  ]
}

jdk.ExecutionSample {
  startTime = 15:36:59.140
  sampledThread = "opensearch[fm-os2-0][write][T#1]" (javaThreadId = 69)
  state = "STATE_RUNNABLE"
  stackTrace = [
    org.apache.lucene.util.compress.LZ4.compressWithDictionary(byte[], int, int, int, DataOutput, LZ4$HashTable) line: 500
    org.apache.lucene.index.IndexingChain.flush(SegmentWriteState) line: 280
    org.apache.lucene.index.DocumentsWriterPerThread.flush(DocumentsWriter$FlushNotifications) line: 400
    org.opensearch.action.bulk.TransportShardBulkAction.executeBulkItemRequest(Object) line: 600
  ]
}

jdk.ExecutionSample {
  startTime = 15:36:59.160
  sampledThread = "process reaper" (javaThreadId = 12)
  state = "STATE_RUNNABLE"
  stackTrace = [
    java.lang.Thread.run() line: 840
  ]
}
`;

Deno.test("parseExecutionSamples: each sample's frames, innermost first, without line numbers", () => {
  const samples = parseExecutionSamples(SAMPLES);
  assertEquals(samples.length, 4);
  assertEquals(samples[0], [
    "org.apache.lucene.util.compress.LZ4.decompress(DataInput, int, byte[], int)",
    "org.apache.lucene.codecs.compressing.CompressingStoredFieldsReader$BlockState.doReset(int)",
    "org.elasticsearch.search.fetch.FetchPhase.loadStoredFields(MapperService, CheckedBiConsumer, FieldsVisitor, int)",
  ]);
  assertEquals(samples[3], ["java.lang.Thread.run()"]);
});

Deno.test("classifySamples: the narrowest kind wins, wherever its frame is in the stack", () => {
  const kinds = classifySamples(parseExecutionSamples(SAMPLES));
  const byLabel = Object.fromEntries(kinds.map((kind) => [kind.label, kind.samples]));
  // A stored-field read inside the fetch phase is a stored-field read.
  assertEquals(byLabel["read stored fields (decompress `_source`, `_id`)"], 1);
  // A flush inside a bulk is a flush; indexing inside a bulk is indexing.
  assertEquals(byLabel["write segments (flush: compress, doc values, terms)"], 1);
  assertEquals(byLabel["index in memory (invert, doc values)"], 1);
  assertEquals(byLabel[OTHER_WORK], 1);
  assertEquals(byLabel["bulk and REST handling"], undefined);
});

Deno.test("gcCpuSeconds: user and system time summed over collections; none recorded: undefined", () => {
  const text =
    `jdk.GCCPUTime {\n  userTime = 20.0 ms\n  systemTime = 0 s\n  realTime = 20.0 ms\n}\n` +
    `jdk.GCCPUTime {\n  userTime = 1.50 s\n  systemTime = 10.0 ms\n  realTime = 1.2 s\n}\n`;
  assertEquals(gcCpuSeconds(text), 1.53);
  assertEquals(gcCpuSeconds(""), undefined);
});

Deno.test("profileSection: a share per node and kind, and a node not recorded says why", () => {
  const section = profileSection([
    {
      node: "es7",
      samples: 4,
      kinds: [{ label: "read stored fields", samples: 3 }, { label: "other", samples: 1 }],
      gcCpuSeconds: 0.4,
    },
    { node: "os2", notRun: "jcmd JFR.start in process 42 failed: Operation not permitted" },
  ], "one more run");
  assertStringIncludes(section, "| read stored fields | 75.0 % |");
  assertStringIncludes(section, "| garbage collector CPU s | 0.4 |");
  assertStringIncludes(section, "os2: not recorded: jcmd JFR.start in process 42 failed");
  assert(section.indexOf("read stored fields") < section.indexOf("| other |"));
});
