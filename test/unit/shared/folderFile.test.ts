/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- tampering with parsed JSON */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  estimateFolderFileBytes,
  FOLDER_FILE_VERSION,
  FOLDER_LIMITS,
  FolderFileError,
  folderSizeProblem,
  parseFolderFile,
  validateFolderFile,
  type FolderFile,
} from '../../../src/shared/folderFile';
import { stableStringify } from '../../../src/shared/resultFile';
import { doneRow, folderFile, folderSettings, notDoneRow } from './folderBuilders';

/** A valid file: three measured images (one resumed), one skipped, one failed. */
function sample(): FolderFile {
  return folderFile([
    doneRow('b.png', [{ p: 0.01 }, { p: 0.2, flips: 1 }]),
    doneRow('a/x.png', [{ p: 0.03 }, { p: 0.5 }], true),
    notDoneRow('c.png', 'skipped'),
    notDoneRow('d.png', 'failed'),
    doneRow('e.png', [{ p: 0.4, curve: [0.1, 0.2, 0.3] }, { p: 0.001 }]),
  ]);
}

/** The sample as JSON gives it back, after `change`. */
function tampered(change: (f: Record<string, any>) => void): unknown {
  const f = JSON.parse(stableStringify(sample()));
  change(f);
  return JSON.parse(JSON.stringify(f));
}

function problemsOf(change: (f: Record<string, any>) => void): string {
  return validateFolderFile(tampered(change)).join('\n');
}

void test('a written folder file validates and parses back to itself', () => {
  const text = stableStringify(sample());
  assert.deepEqual(validateFolderFile(JSON.parse(text)), []);
  assert.deepEqual(parseFolderFile(text), JSON.parse(text));
  // Also a merged file, one with no image measured, and one shard of a run.
  const merged = { ...sample(), merged: [1, 2, 3].map((index) => ({ index, count: 3 })) };
  assert.deepEqual(validateFolderFile(JSON.parse(stableStringify(merged))), []);
  const empty = { ...folderFile([notDoneRow('c.png', 'skipped')]), strengths: [], labels: [] };
  assert.deepEqual(validateFolderFile(JSON.parse(stableStringify(empty))), []);
  const shard = folderFile([doneRow('x.png', [{ p: 0.1 }, { p: 0.1 }])], {
    shard: { index: 2, count: 3 },
  });
  assert.deepEqual(validateFolderFile(JSON.parse(stableStringify(shard))), []);
});

void test('other versions are refused, a newer one with the advice to update', () => {
  assert.deepEqual(validateFolderFile({ ...sample(), propsweep_folder: FOLDER_FILE_VERSION + 1 }), [
    'it was written by a newer propsweep (folder format 2, this one reads 1): update propsweep',
  ]);
  assert.match(
    validateFolderFile({ ...sample(), propsweep_folder: undefined }).join(),
    /not a propsweep folder summary \(format missing, expected 1\)/,
  );
  assert.match(validateFolderFile({ ...sample(), propsweep_folder: '1' }).join(), /format "1"/);
  // A value from the file is quoted cut short.
  const long = validateFolderFile({ ...sample(), propsweep_folder: 'x'.repeat(100_000) }).join();
  assert.ok(long.length < 300, long.slice(0, 300));
  assert.match(validateFolderFile([]).join(), /not a JSON object/);
  assert.match(validateFolderFile(null).join(), /not a JSON object/);
});

void test('paths must stay inside the folder, under images/, with the right endings', () => {
  const row = (r: Record<string, any>): Record<string, any> => r;
  for (const [field, bad] of [
    ['result_file', '../../etc/passwd.propsweep.json'],
    ['result_file', 'images/../../x.propsweep.json'],
    ['result_file', '/abs/images/x.propsweep.json'],
    ['result_file', 'C:/images/x.propsweep.json'],
    ['result_file', 'images\\x.propsweep.json'],
    ['result_file', 'other/image.propsweep.json'],
    ['result_file', 'images/.propsweep.json'],
    ['result_file', 'images/x.json'],
    ['result_file', null],
    ['thumbnail', '../thumb.png'],
    ['thumbnail', 'images/x/thumb.svg'],
    ['thumbnail', '/tmp/images/thumb.png'],
  ] as const) {
    const problems = problemsOf((f) => {
      row(f.rows[0])[field] = bad;
    });
    assert.match(
      problems,
      new RegExp(`rows\\[0\\]\\.${field} must be a relative path`),
      `${field} ${String(bad)}`,
    );
  }
  assert.match(
    problemsOf((f) => {
      f.rows[0].image = '../outside.png';
    }),
    /rows\[0\]\.image must be a relative path inside the folder, got "\.\.\/outside\.png"/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[0].image = '/etc/shadow';
    }),
    /rows\[0\]\.image must be a relative path/,
  );
  // A done image may have no thumbnail; one not measured has no paths.
  assert.equal(
    problemsOf((f) => {
      f.rows[0].thumbnail = null;
    }),
    '',
  );
  assert.match(
    problemsOf((f) => {
      f.rows[2].result_file = 'images/c/c.propsweep.json';
    }),
    /rows\[2\] was not measured, so its result_file and thumbnail must be null/,
  );
});

void test('curves have one number per strength; numbers are finite (NaN is written as null)', () => {
  assert.match(
    problemsOf((f) => {
      f.rows[1].models[0].curve.pop();
    }),
    /rows\[1\]\.models\[0\]\.curve must be 3 numbers/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[1].models[1].curve[2] = Number.NaN; // JSON.stringify writes null
    }),
    /rows\[1\]\.models\[1\]\.curve must be 3 numbers/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[0].models[0].epgm = Number.NaN;
    }),
    /rows\[0\]\.models\[0\]\.epgm must be a number/,
  );
  assert.match(
    problemsOf((f) => {
      f.summary.models[0].mean_curve[0] = Number.POSITIVE_INFINITY;
    }),
    /summary\.models\[0\]\.mean_curve must be one number per strength/,
  );
  assert.match(
    problemsOf((f) => {
      f.summary.models[1].epgm_q3 = null;
    }),
    /summary\.models\[1\]\.epgm_q3 must be a number/,
  );
  // Objects that never went through JSON may hold Infinity and NaN as numbers.
  const direct = sample() as unknown as Record<string, any>;
  direct.rows[0].models[0] = { ...direct.rows[0].models[0], epgm: Infinity };
  direct.rows[1].models[0] = { ...direct.rows[1].models[0], curve: [0, Number.NaN, 1] };
  assert.match(
    validateFolderFile(direct).join('\n'),
    /rows\[0\]\.models\[0\]\.epgm must be a number/,
  );
  assert.match(validateFolderFile(direct).join('\n'), /rows\[1\]\.models\[0\]\.curve must be 3/);
  assert.match(
    problemsOf((f) => {
      f.strengths = [0, 1];
    }),
    /"strengths" must be 3 to 1001 numbers/,
  );
  assert.match(
    problemsOf((f) => {
      f.strengths = [0, 0.5, 'x'];
    }),
    /"strengths" must be/,
  );
});

void test('measured images need the strengths of their curves: none only when none was measured', () => {
  // Empty strengths with empty curves: a merge with a shard that has them failed on the curves.
  const unmeasured = tampered((f) => {
    f.strengths = [];
    for (const row of f.rows) for (const m of row.models) m.curve = [];
    for (const m of f.summary.models) m.mean_curve = m.curve_low = m.curve_high = [];
  });
  assert.match(validateFolderFile(unmeasured).join('\n'), /"strengths" must be 3 to 1001 numbers/);
});

void test('p-values in [0, 1], significance as p_adjusted <= alpha, counts whole', () => {
  for (const key of ['p_value', 'p_adjusted']) {
    for (const bad of [1.5, -0.1, null, '0.1']) {
      assert.match(
        problemsOf((f) => {
          f.rows[0].models[1][key] = bad;
        }),
        new RegExp(`rows\\[0\\]\\.models\\[1\\]\\.${key} must be a number from 0 to 1`),
        `${key} ${String(bad)}`,
      );
    }
  }
  assert.match(
    problemsOf((f) => {
      f.rows[0].models[0].significant = !f.rows[0].models[0].significant;
    }),
    /significant must say whether p_adjusted <= alpha \(0\.05\)/,
  );
  for (const bad of [-1, 1.5, null]) {
    assert.match(
      problemsOf((f) => {
        f.rows[0].models[0].flips = bad;
      }),
      /flips must be a whole number from 0/,
    );
  }
  assert.match(
    problemsOf((f) => {
      f.summary.models[0].flipped.count = 9;
    }),
    /summary\.models\[0\]\.flipped must be a proportion \{count, total: 3/,
  );
  assert.match(
    problemsOf((f) => {
      f.summary.models[0].significant.high = 1.2;
    }),
    /summary\.models\[0\]\.significant must be a proportion/,
  );
  assert.match(
    problemsOf((f) => {
      f.summary.done = 4;
    }),
    /summary\.done must be 3, the rows' count/,
  );
  assert.match(
    problemsOf((f) => {
      f.summary.resumed = 0;
    }),
    /summary\.resumed must be 1/,
  );
  assert.match(
    problemsOf((f) => {
      f.summary.models[1].images = 5;
    }),
    /summary\.models\[1\]\.images must be 3/,
  );
});

void test('model rows follow the settings: one per classifier when done, none otherwise', () => {
  assert.match(
    problemsOf((f) => {
      f.rows[0].models.pop();
    }),
    /rows\[0\]\.models must list 2 classifiers \(those of the settings, in order\)/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[0].models.reverse();
    }),
    /rows\[0\]\.models\[0\]\.model must be "a" \(the settings' order\)/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[2].models = f.rows[0].models;
    }),
    /rows\[2\]\.models must list 0 classifiers \(the image was not measured\)/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[2].reason = null;
    }),
    /rows\[2\]\.reason must say why the image was skipped/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[2].reason = 'x'.repeat(5000);
    }),
    /rows\[2\]\.reason/,
  );
  assert.match(
    problemsOf((f) => {
      f.labels.pop();
    }),
    /"labels" must be one list of class names per classifier \(2\)/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[3].status = 'pending';
    }),
    /rows\[3\] must be an image row with status done, skipped or failed/,
  );
});

void test('rows are sorted by image, each once', () => {
  assert.match(
    problemsOf((f) => {
      f.rows[1] = { ...f.rows[1], image: f.rows[0].image };
    }),
    /rows\[1\]\.image "a\/x\.png" is repeated or out of order/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows.reverse();
    }),
    /rows\[1\]\.image "d\.png" is repeated or out of order/,
  );
});

void test('sizes are bounded: rows, classifiers, strings, shards', () => {
  const huge = tampered((f) => {
    f.rows = [];
  }) as Record<string, any>;
  // A sparse array stands for a huge one: the count is refused before any row is read.
  huge.rows = new Array(FOLDER_LIMITS.rows + 1);
  assert.match(validateFolderFile(huge).join(), /"rows" must list at most 100,000 images/);
  assert.match(
    problemsOf((f) => {
      f.settings.models = Array.from({ length: 65 }, (_, k) => ({
        ...f.settings.models[0],
        name: `m${k}`,
      }));
    }),
    /settings\.models must list 1 to 64 classifiers/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.models[1].name = 'x'.repeat(600);
    }),
    /settings\.models\[1\] must be \{name, kind/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.models[0].kind = 'python';
    }),
    /settings\.models\[0\] must be/,
  );
  assert.match(
    problemsOf((f) => {
      f.folder = 'x'.repeat(5000);
    }),
    /"folder" must be a path/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.params = Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`p${k}`, k]));
    }),
    /settings\.params must map at most 64 names/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.params.text = 'x'.repeat(5000);
    }),
    /settings\.params must map/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.content = '../overlay.png';
    }),
    /settings\.content must be a sha256 in hex, or null/,
  );
  assert.equal(
    problemsOf((f) => {
      delete f.settings.content; // written before the content was recorded
    }),
    '',
  );
  assert.match(
    problemsOf((f) => {
      f.settings.steps = 100_000;
    }),
    /settings\.steps must be a whole number from 3/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.seeds = 0;
    }),
    /settings\.seeds must be a whole number from 1 to 16/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.alpha = 1;
    }),
    /settings\.alpha must be a number between 0 and 1/,
  );
  assert.match(
    problemsOf((f) => {
      f.settings.adjustment = 'none';
    }),
    /settings\.adjustment must be holm or bh/,
  );
  assert.match(
    problemsOf((f) => {
      f.shard = { index: 4, count: 3 };
    }),
    /"shard" must be null or a shard with whole numbers 1 <= index <= count <= 100000/,
  );
  assert.match(
    problemsOf((f) => {
      f.merged = [
        { index: 1, count: 2 },
        { index: 1, count: 2 },
      ];
    }),
    /"merged" must list the shards 1\/2 to 2\/2 in order/,
  );
  assert.match(
    problemsOf((f) => {
      f.shard = { index: 1, count: 2 };
      f.merged = [{ index: 1, count: 1 }];
    }),
    /"merged" must be empty in the file of one shard/,
  );
  assert.match(
    problemsOf((f) => {
      f.created = 'yesterday';
    }),
    /"created" must be an ISO time/,
  );
  assert.match(
    problemsOf((f) => {
      f.limit = 0;
    }),
    /"limit" must be a whole number from 1, or null/,
  );
  assert.match(
    problemsOf((f) => {
      f.rows[0].sha256 = 'not hex';
    }),
    /rows\[0\]\.sha256 must be a sha256 in hex, or empty/,
  );
});

void test('a file wrong everywhere gives a bounded list of problems', () => {
  const bad = tampered((f) => {
    f.rows = Array.from({ length: 1000 }, (_, i) => ({ ...f.rows[0], image: `${i}`, status: 'x' }));
  });
  assert.equal(validateFolderFile(bad).length, FOLDER_LIMITS.problems);
});

void test('parseFolderFile throws FolderFileError with the first problems', () => {
  assert.throws(() => parseFolderFile('{"propsweep_folder": 1'), {
    name: 'FolderFileError',
    message: /^it is not JSON \(/,
  });
  const text = JSON.stringify(
    tampered((f) => {
      f.created = 7;
      f.recursive = 'yes';
      f.folder = '';
      f.limit = -1;
      f.rows[0].resumed = 1;
    }),
  );
  assert.throws(
    () => parseFolderFile(text),
    (error: unknown) => {
      assert.ok(error instanceof FolderFileError);
      assert.equal(
        error.message,
        '"created" must be an ISO time; "folder" must be a path; "recursive" must be true or false; and 3 more problems',
      );
      return true;
    },
  );
  assert.throws(() => parseFolderFile(' '.repeat(FOLDER_LIMITS.bytes + 1)), /more than the/);
  assert.ok(folderSettings().models.length === 2);
});

void test('"listed" bounds the rows: fewer is a run stopped early, more is refused, a merge has all', () => {
  // Stopped after 5 of 7 images: a valid file that says so.
  assert.equal(
    problemsOf((f) => {
      f.listed = 7;
    }),
    '',
  );
  assert.match(
    problemsOf((f) => {
      f.listed = 4;
    }),
    /"rows" must list at most the 4 images listed, not 5/,
  );
  for (const bad of [undefined, -1, 1.5, '5', FOLDER_LIMITS.rows + 1]) {
    assert.match(
      problemsOf((f) => {
        f.listed = bad;
      }),
      /"listed" must be the number of images the run selected/,
      String(bad),
    );
  }
  // A merge joins finished shards only.
  const merged = (listed: number): Record<string, any> => ({
    ...JSON.parse(stableStringify(sample())),
    merged: [1, 2].map((index) => ({ index, count: 2 })),
    listed,
  });
  assert.deepEqual(validateFolderFile(merged(5)), []);
  assert.match(
    validateFolderFile(merged(6)).join(),
    /"rows" must list all 6 images of a merge \(it joins finished shards only\), not 5/,
  );
  // A shard of a folder with fewer images than shards: nothing listed, nothing done.
  const empty = { ...folderFile([], { shard: { index: 5, count: 8 } }), strengths: [], labels: [] };
  assert.equal(empty.listed, 0);
  assert.deepEqual(validateFolderFile(JSON.parse(stableStringify(empty))), []);
});

void test('the size of a folder file is estimated on the large side, and refused beyond the bound', () => {
  // Long paths and numbers of the most digits JSON writes: the estimate still covers the file.
  const images = Array.from(
    { length: 40 },
    (_, i) => `a folder/with a long name é/image-${String(i).padStart(5, '0')}.png`,
  );
  const curve = [-0.000009211435295106174, 0.12345678901234568, -1.2345678901234566e-7];
  const file = folderFile(
    images.sort().map((image) =>
      doneRow(image, [
        { p: 0.012345678901234568, epgm: -1.2345678901234567e-100, curve },
        { p: 0.9876543210987654, epgm: 123456.78901234567, curve },
      ]),
    ),
  );
  const bytes = Buffer.byteLength(stableStringify(file));
  const estimate = estimateFolderFileBytes(images, 2, 3);
  assert.ok(estimate - 1024 * 1024 >= bytes, `estimate ${estimate - 1024 * 1024} < ${bytes}`);
  // 100,000 images of 21 steps with one classifier fit (the format's example); with 1001 steps
  // and 64 classifiers, two hundred images do not.
  const many = (n: number): string[] =>
    Array.from({ length: n }, (_, i) => `image-${String(i).padStart(6, '0')}.png`);
  assert.equal(folderSizeProblem(many(100_000), 1, 21), null);
  const problem = folderSizeProblem(many(200), 64, 1001);
  assert.ok(problem !== null);
  assert.match(
    problem,
    /^The summary of 200 images x 64 classifiers x 1001 steps would take about/,
  );
  assert.match(problem, /more than the 256 MiB a folder summary may have/);
  assert.match(problem, /--shard i\/n.*fewer --steps/);
  assert.ok(estimateFolderFileBytes(many(200), 64, 1001) > FOLDER_LIMITS.bytes);
});
