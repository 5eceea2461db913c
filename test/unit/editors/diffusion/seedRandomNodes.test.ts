// seedRandomNodes against models written by the fixture writer (scripts/onnx): a model patched
// with seed s must be byte for byte the model written directly with `seed: { float: s }` (the
// writer puts fields in field-number order and attributes in name order, and `seed` sorts last
// among RandomNormalLike's attributes, where the patch appends it). Subgraphs, functions and
// domains the writer cannot express are put together from its protobuf helpers, with the field
// numbers of onnx/onnx.proto: AttributeProto g = 6, graphs = 11, type = 20 (GRAPH 5, GRAPHS 10);
// NodeProto domain = 7; ModelProto functions = 25; FunctionProto name = 1, node = 7, domain = 10.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import {
  attributeProto,
  DATA_TYPE,
  modelProto,
  nodeProto,
  type ModelSpec,
  type NodeSpec,
} from '../../../../scripts/onnx/onnx';
import {
  bytesField,
  concat,
  intField,
  repeatedMessages,
  stringField,
} from '../../../../scripts/onnx/protobuf';
import {
  MAX_NODE_SEED,
  seedRandomNodes,
} from '../../../../src/extension/editors/diffusion/seedRandomNodes';
import { ROOT } from '../../helpers';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** NodeProto.attribute (field 5) holding `seed: { float: value }`. */
const seedAttribute = (value: number): Uint8Array =>
  repeatedMessages(5, [attributeProto('seed', { float: value })]);

/** y = x w + 0.05 n, n from a RandomNormalLike with the given seed attribute, or none. */
function noisySpec(seed?: number, name = 'noisy'): ModelSpec {
  return {
    name,
    doc: 'latent_sample = x + 0.05 n',
    opset: 17,
    inputs: [{ name: 'x', type: DATA_TYPE.float, shape: ['batch', 4] }],
    outputs: [{ name: 'y', type: DATA_TYPE.float, shape: ['batch', 4] }],
    initializers: [{ name: 'w', dims: [4], values: [1, 2, 3, 4] }],
    nodes: [
      { op: 'Mul', inputs: ['x', 'w'], outputs: ['xw'] },
      {
        op: 'RandomNormalLike',
        inputs: ['xw'],
        outputs: ['n'],
        attributes: {
          mean: { float: 0 },
          scale: { float: 0.05 },
          ...(seed === undefined ? {} : { seed: { float: seed } }),
        },
      },
      { op: 'Add', inputs: ['xw', 'n'], outputs: ['y'] },
    ],
  };
}

/** A ModelProto around raw graph bytes, as modelProto writes one. */
function rawModel(graph: Uint8Array, functions: readonly Uint8Array[] = []): Uint8Array {
  return concat([
    intField(1, 8),
    bytesField(7, graph),
    bytesField(8, concat([stringField(1, ''), intField(2, 17)])),
    repeatedMessages(25, functions),
  ]);
}

/** A GraphProto of raw nodes. */
function rawGraph(nodes: readonly Uint8Array[], name = 'g'): Uint8Array {
  return concat([repeatedMessages(1, nodes), stringField(2, name)]);
}

/** A node with graph-valued attributes (If: then_branch/else_branch; a GRAPHS attribute). */
function nodeWithGraphs(
  op: string,
  output: string,
  graphs: Readonly<Record<string, Uint8Array | readonly Uint8Array[]>>,
): Uint8Array {
  const attributes = Object.entries(graphs).map(([name, g]) =>
    g instanceof Uint8Array
      ? concat([stringField(1, name), bytesField(6, g), intField(20, 5)])
      : concat([stringField(1, name), repeatedMessages(11, g), intField(20, 10)]),
  );
  return concat([
    nodeProto({ op, inputs: ['cond'], outputs: [output] }),
    repeatedMessages(5, attributes),
  ]);
}

const randomNode = (seed?: number, output = 'n'): NodeSpec => ({
  op: 'RandomNormal',
  inputs: [],
  outputs: [output],
  attributes: {
    mean: { float: 0 },
    scale: { float: 1 },
    ...(seed === undefined ? {} : { seed: { float: seed } }),
  },
});

/** A subgraph whose only node is a RandomNormal. */
const branch = (seed?: number, output = 'n'): Uint8Array =>
  rawGraph([nodeProto(randomNode(seed, output))], `branch_${output}`);

describe('seedRandomNodes', () => {
  test('an unseeded RandomNormalLike gets the seed: the model written with that seed', () => {
    const { bytes, seeded } = seedRandomNodes(modelProto(noisySpec()), 5);
    assert.equal(seeded, 1);
    assert.equal(hex(bytes), hex(modelProto(noisySpec(5))));
  });

  test('an existing seed is replaced where it stands, and only the first of two is kept', () => {
    assert.equal(
      hex(seedRandomNodes(modelProto(noisySpec(3)), 7).bytes),
      hex(modelProto(noisySpec(7))),
    );
    // RandomUniform's `shape` sorts after `seed`: a replaced seed keeps its place.
    const uniform = (seed: number): ModelSpec => ({
      ...noisySpec(),
      nodes: [
        {
          op: 'RandomUniform',
          inputs: [],
          outputs: ['y'],
          attributes: {
            high: { float: 1 },
            low: { float: 0 },
            seed: { float: seed },
            shape: { ints: [1, 4] },
          },
        },
      ],
    });
    assert.equal(
      hex(seedRandomNodes(modelProto(uniform(1)), 2).bytes),
      hex(modelProto(uniform(2))),
    );
    // A duplicated seed attribute: the patch leaves exactly one.
    const seed = (value: number): Uint8Array => attributeProto('seed', { float: value });
    const twice = rawModel(
      rawGraph([concat([nodeProto(randomNode()), repeatedMessages(5, [seed(1), seed(2)])])]),
    );
    const once = rawModel(
      rawGraph([concat([nodeProto(randomNode()), repeatedMessages(5, [seed(9)])])]),
    );
    assert.deepEqual(seedRandomNodes(twice, 9), { bytes: once, seeded: 1 });
  });

  test('every random operator of the default domain is seeded, no other node', () => {
    const ops = [
      'RandomNormal',
      'RandomNormalLike',
      'RandomUniform',
      'RandomUniformLike',
      'Multinomial',
      'Bernoulli',
    ];
    const spec = (seed?: number): ModelSpec => ({
      ...noisySpec(),
      nodes: [
        ...ops.map((op, i) => ({
          op,
          inputs: ['x'],
          outputs: [`r${i}`],
          attributes: seed === undefined ? {} : { seed: { float: seed } },
        })),
        // Dropout's own (int) seed and a Sum are not random nodes of this list.
        { op: 'Dropout', inputs: ['x'], outputs: ['d'], attributes: { seed: { int: 4 } } },
        { op: 'Sum', inputs: ['r0', 'r1'], outputs: ['y'] },
      ],
    });
    const { bytes, seeded } = seedRandomNodes(modelProto(spec()), 11);
    assert.equal(seeded, ops.length);
    assert.equal(hex(bytes), hex(modelProto(spec(11))));
  });

  test('ai.onnx is the default domain; a random node of another domain is left alone', () => {
    // The patch appends a missing seed at the end of the node, after its domain (field 7).
    const inDomain = (domain: string): Uint8Array =>
      rawModel(rawGraph([concat([nodeProto(randomNode()), stringField(7, domain)])]));
    const seeded = rawModel(
      rawGraph([concat([nodeProto(randomNode()), stringField(7, 'ai.onnx'), seedAttribute(3)])]),
    );
    assert.deepEqual(seedRandomNodes(inDomain('ai.onnx'), 3), { bytes: seeded, seeded: 1 });
    const foreign = inDomain('com.example');
    const result = seedRandomNodes(foreign, 3);
    assert.equal(result.seeded, 0);
    assert.equal(result.bytes, foreign);
  });

  test('a model without random nodes comes back as the same bytes, seeded 0', () => {
    const plain: ModelSpec = {
      ...noisySpec(),
      nodes: [{ op: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
    };
    const model = modelProto(plain);
    const copy = model.slice();
    const result = seedRandomNodes(model, 5);
    assert.equal(result.seeded, 0);
    assert.equal(result.bytes, model);
    assert.deepEqual(model, copy);
    assert.deepEqual(seedRandomNodes(new Uint8Array(0), 5), {
      bytes: new Uint8Array(0),
      seeded: 0,
    });
  });

  test('random nodes in If branches, in GRAPHS attributes and in nested bodies are seeded', () => {
    const model = (seed?: number): Uint8Array =>
      rawModel(
        rawGraph([
          nodeWithGraphs('If', 'y', {
            else_branch: branch(seed, 'a'),
            then_branch: branch(seed, 'b'),
          }),
          nodeWithGraphs('Custom', 'z', { bodies: [branch(seed, 'c'), branch(seed, 'd')] }),
          // A Loop body holding an If whose branch holds the random node.
          nodeWithGraphs('Loop', 'w', {
            body: rawGraph([nodeWithGraphs('If', 'v', { then_branch: branch(seed, 'e') })], 'body'),
          }),
        ]),
      );
    const { bytes, seeded } = seedRandomNodes(model(), 8);
    assert.equal(seeded, 5);
    assert.equal(hex(bytes), hex(model(8)));
  });

  test('random nodes in the model-local functions (ModelProto.functions) are seeded', () => {
    const fn = (seed?: number): Uint8Array =>
      concat([
        stringField(1, 'noise'),
        stringField(5, 'n'),
        repeatedMessages(7, [nodeProto(randomNode(seed))]),
        stringField(10, 'local'),
      ]);
    const model = (seed?: number): Uint8Array => rawModel(rawGraph([]), [fn(seed), fn(seed)]);
    assert.deepEqual(seedRandomNodes(model(), 6), { bytes: model(6), seeded: 2 });
  });

  test('lengths that grow by a byte when the seed is added are rewritten, the rest copied', () => {
    // A node of 120 bytes has a one-byte length; with the 17-byte seed attribute it needs two,
    // and so does the graph around it.
    const model = (output: string, seed?: number): Uint8Array =>
      rawModel(rawGraph([nodeProto(randomNode(seed, output))]));
    let output = 'n';
    while (nodeProto(randomNode(undefined, output)).length < 120) output += 'n';
    assert.ok(nodeProto(randomNode(undefined, output)).length < 128);
    assert.ok(nodeProto(randomNode(5, output)).length >= 128);
    assert.equal(hex(seedRandomNodes(model(output), 5).bytes), hex(model(output, 5)));
  });

  test('the legacy fixture VAE encoder: seeded once, a second seed replaces the first', () => {
    const model = readFileSync(
      join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-legacy', 'vae_encoder', 'model.onnx'),
    );
    const five = seedRandomNodes(model, 5);
    assert.equal(five.seeded, 1);
    // The seed attribute once, after the node's own; the node's and graph's lengths grow with it.
    const added = five.bytes.length - model.length;
    assert.ok(added >= seedAttribute(5).length && added <= seedAttribute(5).length + 2, `${added}`);
    assert.equal(hex(five.bytes).split(hex(seedAttribute(5))).length, 2);
    assert.deepEqual(seedRandomNodes(five.bytes, 6), seedRandomNodes(model, 6));
    assert.deepEqual(seedRandomNodes(five.bytes, 5), five);
  });

  test('seeds float32 cannot hold exactly are refused', () => {
    for (const seed of [-1, 0.5, MAX_NODE_SEED + 1, Number.NaN]) {
      assert.throws(() => seedRandomNodes(modelProto(noisySpec()), seed), RangeError);
    }
    assert.equal(seedRandomNodes(modelProto(noisySpec()), MAX_NODE_SEED).seeded, 1);
  });

  test('malformed bytes are refused with the reason and the byte', () => {
    const model = modelProto(noisySpec());
    const refuse = (bytes: Uint8Array, reason: RegExp): void => {
      assert.throws(
        () => seedRandomNodes(bytes, 1),
        (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, /^invalid ONNX model: /);
          assert.match(e.message, reason);
          return true;
        },
      );
    };
    // Cut inside the graph (field 7): its length points past the end.
    refuse(model.subarray(0, model.length - 40), /field 7 runs past the end of its message/);
    // A key cut in the middle of its varint.
    refuse(Uint8Array.of(0x08, 0x08, 0xba), /varint runs past the end/);
    refuse(
      Uint8Array.of(0x08, ...new Array<number>(10).fill(0xff), 0x01),
      /longer than 10 bytes at byte 1/,
    );
    // Groups (wire types 3 and 4), wire types 6 and 7, field number 0.
    refuse(Uint8Array.of(0x0b), /group \(wire type 3\)/);
    refuse(Uint8Array.of(0x0c), /group \(wire type 4\)/);
    refuse(Uint8Array.of(0x0e), /unknown wire type 6/);
    refuse(Uint8Array.of(0x02, 0x00), /number 0/);
    // A node inside the graph whose length is larger than the graph.
    refuse(
      rawModel(Uint8Array.of(0x0a, 0x05, 0x22, 0x01)),
      /field 1 runs past the end of its message \(byte/,
    );
    // fixed32 and fixed64 values cut short.
    refuse(Uint8Array.of(0x0d, 0, 0), /field 1 runs past/);
    refuse(Uint8Array.of(0x09, 0, 0, 0, 0), /field 1 runs past/);
  });

  test('subgraphs nested deeper than the limit are refused; a reasonable depth is not', () => {
    const nested = (levels: number): Uint8Array => {
      let graph = branch();
      for (let i = 0; i < levels; i++)
        graph = rawGraph([nodeWithGraphs('If', `y${i}`, { then_branch: graph })]);
      return rawModel(graph);
    };
    assert.equal(seedRandomNodes(nested(15), 1).seeded, 1);
    assert.throws(() => seedRandomNodes(nested(30), 1), /nested more than 64 deep/);
  });
});
