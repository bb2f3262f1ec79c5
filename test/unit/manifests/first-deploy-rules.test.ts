/**
 * The `rollout-pilot.dev/first-deploy-analysis` annotation at lint time: its value, that there is
 * analysis to run, and that the blocks the first-deploy run merges fit in one run. Each problem at
 * its file and line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { baseRollout, baseTemplate, lintText, patch, show } from './helpers.ts';

const KEY = 'rollout-pilot.dev/first-deploy-analysis';
const C = 'spec.strategy.canary';
const supplied = [{ name: 'service', value: 'demo' }];

function annotated(rollout: Record<string, unknown>, value: unknown): Record<string, unknown> {
  (rollout.metadata as Record<string, unknown>).annotations = { [KEY]: value };
  return rollout;
}

const withBackground = (): Record<string, unknown> =>
  patch(baseRollout(), {
    [`${C}.analysis`]: { templates: [{ templateName: 'error-rate' }], args: supplied },
  });

/** The YAML text and the 1-based line where `needle` first appears. */
function yamlOf(...docs: unknown[]): { text: string; lineOf: (needle: string) => number } {
  const text = docs.map((d) => stringify(d)).join('---\n');
  const lines = text.split('\n');
  return { text, lineOf: (needle) => lines.findIndex((l) => l.includes(needle)) + 1 };
}

interface Row {
  name: string;
  docs: unknown[];
  /** [path, message fragment, the text on the reported line]; none: no diagnostic. */
  want: [string, RegExp, string][];
}

const table: Row[] = [
  {
    name: '"true" with a background analysis',
    docs: [annotated(withBackground(), 'true'), baseTemplate()],
    want: [],
  },
  { name: '"false" with no analysis', docs: [annotated(baseRollout(), 'false')], want: [] },
  {
    name: '"true" with an analysis step only',
    docs: [
      annotated(
        patch(baseRollout(), {
          [`${C}.steps[1]`]: { analysis: { templates: [{ templateName: 'error-rate' }], args: supplied } },
        }),
        'true',
      ),
      baseTemplate(),
    ],
    want: [],
  },
  {
    name: '"true" on a blue-green Rollout: not built yet, said at the annotation',
    docs: [
      annotated(
        patch(baseRollout(), { 'spec.strategy': { blueGreen: { activeService: 'a', previewService: 'b' } } }),
        'true',
      ),
    ],
    want: [[`metadata.annotations.${KEY}`, /not supported yet for the blueGreen strategy/, KEY]],
  },
  {
    name: 'a value other than "true" or "false"',
    docs: [annotated(withBackground(), 'yes'), baseTemplate()],
    want: [[`metadata.annotations.${KEY}`, /is "yes"; it takes "true" .* or "false"/, KEY]],
  },
  {
    name: '"true" and nothing to run',
    docs: [annotated(baseRollout(), 'true')],
    want: [
      [
        `metadata.annotations.${KEY}`,
        /has no analysis to run on its first deploy: add spec\.strategy\.canary\.analysis or an analysis step/,
        KEY,
      ],
    ],
  },
  {
    name: 'the background and a step give one arg two values',
    docs: [
      annotated(
        patch(withBackground(), {
          [`${C}.steps[1]`]: {
            analysis: {
              templates: [{ templateName: 'error-rate' }],
              args: [{ name: 'service', value: 'other' }],
            },
          },
        }),
        'true',
      ),
      baseTemplate(),
    ],
    want: [
      [
        `${C}.steps[1].analysis.args[0].value`,
        /arg "service" is given differently in spec\.strategy\.canary\.analysis and spec\.strategy\.canary\.steps\[1\]\.analysis; the first-deploy analysis .* merges them/,
        'other',
      ],
    ],
  },
  {
    name: 'two templates merged by the first-deploy run define the same metric',
    docs: [
      annotated(
        patch(withBackground(), {
          [`${C}.steps[1]`]: { analysis: { templates: [{ templateName: 'also-errors' }], args: supplied } },
        }),
        'true',
      ),
      baseTemplate(),
      baseTemplate('also-errors'),
    ],
    want: [
      [
        `${C}.steps[1].analysis.templates[0].templateName`,
        /both define a metric "errors"; .*\(the first-deploy analysis \(rollout-pilot\.dev\/first-deploy-analysis\) merges/,
        'also-errors',
      ],
    ],
  },
];

for (const row of table) {
  test(`lint ${KEY}: ${row.name}`, () => {
    const { text, lineOf } = yamlOf(...row.docs);
    const got = lintText(text);
    assert.equal(got.length, row.want.length, show(got));
    row.want.forEach(([path, message, onLine], i) => {
      const d = got[i];
      assert.equal(d?.path, path, show(got));
      assert.match(d?.message ?? '', message);
      assert.equal(d?.line, lineOf(onLine), show(got));
      assert.equal(d?.file, 'test.yaml');
    });
  });
}

test(`lint ${KEY}: an unquoted true is the schema's error (annotations are strings), reported once`, () => {
  const text = yamlOf(annotated(withBackground(), 'true'), baseTemplate()).text.replace(
    `${KEY}: "true"`,
    `${KEY}: true`,
  );
  assert.match(text, new RegExp(`${KEY}: true`));
  const got = lintText(text);
  assert.equal(got.length, 1, show(got));
  assert.equal(got[0]?.path, `metadata.annotations.${KEY}`);
});
