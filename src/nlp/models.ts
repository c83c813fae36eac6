/**
 * Versioned model files (issue 14): `<modelDir>/<name>/<version>.json`, version 1, 2, 3… per
 * name, and `<modelDir>/<name>/current` naming the version in use. A training writes a new
 * version (atomically: temporary file, fsync, rename) and then points `current` at it, so a crash
 * leaves the previous model in use and never a half-written file. Nothing here downloads anything.
 *
 * File shape ({@link ModelFile}): `{ format: 1, name, version, trainedAt, metrics, data, notes,
 * payload }`, validated by zod when read (payload checked by the model's own loader).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { VigilError } from '../errors.ts';
import type { ModelStamp, TrainedModel } from './types.ts';

/** A model file as stored. `payload` is the model's own (validated by its loader). */
export interface ModelFile<P = unknown> extends TrainedModel<P> {
  format: 1;
  name: string;
  version: number;
  trainedAt: string;
  /** SHA-256 of the serialised payload, hex: two trainings on the same data give the same hash. */
  payloadSha256: string;
}

const ModelFileHeader = z.object({
  format: z.literal(1),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  version: z.number().int().positive(),
  trainedAt: z.string(),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
  metrics: z.record(z.string(), z.number()),
  data: z.object({ files: z.array(z.string()), train: z.number(), valid: z.number() }),
  notes: z.array(z.string()).optional(),
  payload: z.unknown(),
});

const NAME = /^[a-z0-9][a-z0-9-]*$/;

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The stamp of a model file (what a result says produced it). */
export function stampOf(file: Pick<ModelFile, 'name' | 'version' | 'trainedAt'>): ModelStamp {
  return { name: file.name, version: file.version, trainedAt: file.trainedAt };
}

/** `name@version` (`techniques@3`). */
export function stampLabel(stamp: ModelStamp): string {
  return `${stamp.name}@${stamp.version}`;
}

/**
 * The model files under one folder.
 *
 * @example
 * const models = new ModelRepository(config.nlp.modelDir);
 * const file = models.load('techniques'); // null until `vigil nlp train techniques`
 */
export class ModelRepository {
  constructor(readonly dir: string) {}

  /** Versions stored for `name`, ascending. */
  versions(name: string): number[] {
    const folder = path.join(this.dir, name);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .map((f) => /^(\d+)\.json$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The version in use for `name` (the `current` pointer, else the newest file), or null. */
  currentVersion(name: string): number | null {
    const pointer = path.join(this.dir, name, 'current');
    if (existsSync(pointer)) {
      const v = Number(readFileSync(pointer, 'utf8').trim());
      if (Number.isInteger(v) && v > 0 && existsSync(path.join(this.dir, name, `${v}.json`))) return v;
    }
    return this.versions(name).at(-1) ?? null;
  }

  /**
   * Stores a trained model as the next version of `name` and makes it current.
   * @returns the stored file (with its version and stamp).
   */
  save<P>(name: string, trained: TrainedModel<P>, now: Date = new Date()): ModelFile<P> {
    if (!NAME.test(name)) throw new VigilError('VIGIL_BAD_REQUEST', [`model name "${name}": lowercase letters, digits and -`]);
    const folder = path.join(this.dir, name);
    mkdirSync(folder, { recursive: true });
    const version = (this.versions(name).at(-1) ?? 0) + 1;
    const payloadText = JSON.stringify(trained.payload);
    const file: ModelFile<P> = {
      format: 1,
      name,
      version,
      trainedAt: now.toISOString(),
      payloadSha256: createHash('sha256').update(payloadText).digest('hex'),
      metrics: trained.metrics,
      data: trained.data,
      ...(trained.notes ? { notes: trained.notes } : {}),
      payload: trained.payload,
    };
    writeAtomic(path.join(folder, `${version}.json`), JSON.stringify(file));
    writeAtomic(path.join(folder, 'current'), `${version}\n`);
    return file;
  }

  /**
   * The current (or given) version of `name`, or null when none is stored.
   * @throws VigilError VIGIL_MODEL_INVALID when the file does not parse or fails the header schema.
   */
  load<P = unknown>(name: string, version?: number): ModelFile<P> | null {
    const v = version ?? this.currentVersion(name);
    if (v === null) return null;
    const file = path.join(this.dir, name, `${v}.json`);
    if (!existsSync(file)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new VigilError('VIGIL_MODEL_INVALID', [file, (err as Error).message], { cause: err });
    }
    const parsed = ModelFileHeader.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VigilError('VIGIL_MODEL_INVALID', [file, `${issue?.path.join('.') || '(root)'}: ${issue?.message}`]);
    }
    return parsed.data as ModelFile<P>;
  }

  /** Stamps of every model's current version, by name. */
  list(): ModelStamp[] {
    if (!existsSync(this.dir)) return [];
    const out: ModelStamp[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      if (!NAME.test(name)) continue;
      const v = this.currentVersion(name);
      if (v === null) continue;
      const file = this.load(name, v);
      if (file) out.push(stampOf(file));
    }
    return out;
  }
}
