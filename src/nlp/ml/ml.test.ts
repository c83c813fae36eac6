import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import {
  accuracy,
  classificationReport,
  fitPlatt,
  fitTemperature,
  LogisticModel,
  LogisticStateSchema,
  multiLabelReport,
  reliability,
  seededRng,
  splitByGroup,
  splitRandom,
  TfidfStateSchema,
  TfidfVectorizer,
  trainOneVsRest,
  trainSoftmax,
} from './index.ts';

const DOCS = ['the cat sat on the mat', 'the dog sat on the log', 'cats and dogs', 'a cat and a dog sat'];

describe('TfidfVectorizer', () => {
  it('keeps terms by document frequency, weights rarer terms higher, and has unit length', () => {
    const v = TfidfVectorizer.fit(DOCS, { minDf: 2, maxDf: 1 });
    expect(v.state.terms).toContain('sat');
    expect(v.state.terms).toContain('sat on');
    expect(v.state.terms).not.toContain('mat');
    const idf = (t: string): number => v.state.idf[v.state.terms.indexOf(t)] as number;
    expect(idf('sat')).toBeLessThan(idf('on the'));
    const x = v.transform('The CAT sat on the mat');
    expect(Math.hypot(...x.values)).toBeCloseTo(1, 9);
    expect(v.transform('nothing known here').indices.length).toBe(0);
  });

  it('round-trips through JSON and the schema', () => {
    const v = TfidfVectorizer.fit(DOCS, { minDf: 1, charNgram: [3, 4] });
    const back = TfidfVectorizer.fromState(TfidfStateSchema.parse(JSON.parse(JSON.stringify(v))));
    expect(back.transform('cat dog')).toEqual(v.transform('cat dog'));
    expect(v.state.terms.some((t) => t.startsWith('#'))).toBe(true);
  });
});

describe('logistic regression', () => {
  const texts = ['good great fine', 'great good', 'fine good nice', 'bad awful poor', 'poor bad', 'awful terrible bad'];
  const y = [0, 0, 0, 1, 1, 1];
  const v = TfidfVectorizer.fit(texts, { minDf: 1, ngram: [1, 1] });
  const X = v.transformAll(texts);

  it('softmax separates a separable toy set and serialises', () => {
    const m = trainSoftmax(X, y, ['pos', 'neg'], v.dim, { l2: 1e-3 });
    const p = m.probabilities(v.transform('good nice'));
    expect(p[0]).toBeGreaterThan(0.8);
    expect((p[0] as number) + (p[1] as number)).toBeCloseTo(1, 9);
    const back = new LogisticModel(LogisticStateSchema.parse(JSON.parse(JSON.stringify(m))));
    expect(back.probabilities(v.transform('bad'))[1]).toBeCloseTo(m.probabilities(v.transform('bad'))[1] as number, 3);
  });

  it('one-vs-rest learns independent labels, and an empty label set is a negative', () => {
    const Y = [[0], [0], [0, 1], [], [], [1]];
    const m = trainOneVsRest(X, Y, ['a', 'b'], v.dim, { l2: 1e-3 });
    const p = m.probabilities(v.transform('good great'));
    expect(p[0]).toBeGreaterThan(0.5);
    expect(m.probabilities(v.transform('poor bad'))[0]).toBeLessThan(0.5);
  });

  it('is deterministic', () => {
    const a = trainSoftmax(X, y, ['pos', 'neg'], v.dim).toJSON();
    const b = trainSoftmax(X, y, ['pos', 'neg'], v.dim).toJSON();
    expect(a).toEqual(b);
  });
});

describe('calibration', () => {
  it('temperature > 1 for over-confident logits and < 1 for under-confident ones', () => {
    const rng = seededRng(1);
    const logits: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const right = rng() < 0.7; // 70 % right, but logits claim ~99 %
      y.push(right ? 0 : 1);
      logits.push(Float64Array.from([5, 0]));
    }
    expect(fitTemperature(logits, y)).toBeGreaterThan(2);
    const under = logits.map(() => Float64Array.from([0.1, 0]));
    const allRight = y.map(() => 0);
    expect(fitTemperature(under, allRight)).toBeLessThan(0.2);
  });

  it('Platt scaling maps scores to observed rates', () => {
    const scores: number[] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = (i % 10) - 5;
      scores.push(s);
      labels.push(i % 100 < (s + 5) * 10 + 5);
    }
    const { a, b } = fitPlatt(scores, labels);
    expect(a).toBeGreaterThan(0);
    const p = 1 / (1 + Math.exp(-(a * 4 + b)));
    expect(p).toBeGreaterThan(0.8);
  });
});

describe('metrics', () => {
  it('micro/macro F1 and abstentions', () => {
    const r = classificationReport(['a', 'a', 'b', 'b'], ['a', null, 'b', 'a']);
    expect(r.micro.precision).toBeCloseTo(2 / 3, 9);
    expect(r.micro.recall).toBeCloseTo(2 / 4, 9);
    const a = r.perClass.find((c) => c.label === 'a');
    expect(a?.precision).toBeCloseTo(0.5, 9);
    expect(a?.support).toBe(2);
    const m = multiLabelReport([['x', 'y'], []], [['x'], ['y']]);
    expect(m.micro.f1).toBeCloseTo(0.5, 9);
    expect(accuracy([1, 2, 3], [1, 2, 0])).toBeCloseTo(2 / 3, 9);
  });

  it('reliability bins and ECE', () => {
    const { bins, ece } = reliability([0.95, 0.95, 0.55, 0.55], [true, false, true, true], 10);
    expect(bins[9]?.count).toBe(2);
    expect(bins[9]?.accuracy).toBe(0.5);
    expect(ece).toBeCloseTo(0.5 * 0.45 + 0.5 * 0.45, 9);
  });
});

describe('splits', () => {
  it('keeps each group in one part and is seeded', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ i, doc: `d${i % 20}` }));
    const s = splitByGroup(items, (x) => x.doc, { train: 0.6, valid: 0.2 }, 7);
    const docs = (xs: typeof items): Set<string> => new Set(xs.map((x) => x.doc));
    for (const d of docs(s.test)) expect(docs(s.train).has(d)).toBe(false);
    expect(s.train.length + s.valid.length + s.test.length).toBe(200);
    expect(s.train.length).toBeGreaterThan(80);
    expect(splitByGroup(items, (x) => x.doc, { train: 0.6, valid: 0.2 }, 7)).toEqual(s);
    expect(splitRandom(items, { train: 0.5, valid: 0.25 }, 1).valid.length).toBe(50);
  });
});

describe.runIf(hasCorpus())('real data: TRAM single-label sentences', () => {
  it('a softmax model on held-out reports beats the majority class clearly', () => {
    const rows = JSON.parse(readFileSync(corpusPath('text-classification/tram/single_label.json'), 'utf8')) as {
      text: string;
      label: string;
      doc_title: string;
    }[];
    const split = splitByGroup(rows, (r) => r.doc_title, { train: 0.8, valid: 0 }, 42);
    const classes = [...new Set(rows.map((r) => r.label))].sort();
    const v = TfidfVectorizer.fit(
      split.train.map((r) => r.text),
      { minDf: 2, maxFeatures: 20_000 },
    );
    const m = trainSoftmax(
      v.transformAll(split.train.map((r) => r.text)),
      split.train.map((r) => classes.indexOf(r.label)),
      classes,
      v.dim,
      { l2: 1e-4, maxIter: 60 },
    );
    const predicted = split.test.map((r) => {
      const p = m.probabilities(v.transform(r.text));
      return classes[p.indexOf(Math.max(...p))] as string;
    });
    const counts = new Map<string, number>();
    for (const r of split.train) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const truth = split.test.map((r) => r.label);
    const acc = accuracy(truth, predicted);
    const base = accuracy(
      truth,
      truth.map(() => majority),
    );
    expect(split.test.length).toBeGreaterThan(300);
    expect(acc).toBeGreaterThan(base + 0.3);
  }, 60_000);
});
