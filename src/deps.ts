/**
 * Every third-party dependency, by full `npm:` specifier.
 *
 * A remote `deno run https://.../src/main.ts` does not read our `deno.json`, so bare import-map
 * names would not resolve there; full specifiers gathered here work in every way of running us,
 * and `deno.lock` pins the exact versions.
 */
export { z } from "npm:zod@^4.1.0";
export {
  Document,
  isMap,
  isScalar,
  isSeq,
  parse as parseYaml,
  parseDocument,
  YAMLMap,
  YAMLSeq,
} from "npm:yaml@^2.8.0";
export type { Node as YamlNode } from "npm:yaml@^2.8.0";
export {
  configure as configureLogging,
  getLogger,
  getTextFormatter,
  reset as resetLogging,
} from "npm:@logtape/logtape@^2.4.0";
export type { Logger, LogLevel, LogRecord, Sink } from "npm:@logtape/logtape@^2.4.0";
export { Command, CommanderError, Help, InvalidArgumentError, Option } from "npm:commander@^15.1.0";
export { SignatureV4 } from "npm:@smithy/signature-v4@^5.7.0";
export { Sha256 } from "npm:@aws-crypto/sha256-js@^5.2.0";
export {
  fromNodeProviderChain,
  fromTemporaryCredentials,
} from "npm:@aws-sdk/credential-providers@^3.1173.0";
export type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
} from "npm:@smithy/types@^4.0.0";
export {
  isSafeNumber,
  LosslessNumber,
  parse as parseLosslessJson,
  stringify as stringifyLosslessJson,
} from "npm:lossless-json@^4.3.0";
export { distance as editDistance } from "npm:fastest-levenshtein@^1.0.16";
export { default as stringWidth } from "npm:string-width@^7.2.0";
export { default as loadXxhash } from "npm:xxhash-wasm@^1.1.0";
