;; The inner loop of the shuffle test (shared/METHOD.md) in WebAssembly.
;;
;; It computes exactly what sampleNullChunkReference in ../nullDistribution.ts computes, bit for bit:
;; the same generator (xoshiro128** seeded by (seed, chunk)), the same batched Fisher-Yates
;; draws, the same stencil arithmetic in the same order. The TypeScript is the readable
;; reference; this is the fast path (test/unit/measures/kernel.test.ts compares the two).
;;
;; Build: npm run build:kernel (scripts/buildKernel.ts) assembles this file into
;; permutationWasm.ts. Every pointer is a byte offset into the exported memory; the caller
;; (kernel.ts) lays the problem out and writes a header describing it:
;;
;;   offset  type  field
;;    0      i32   n          steps of the path
;;    4      i32   cols       outputs per step (rows are cols doubles apart in data)
;;    8      i32   order      n slots of 8 bytes: the values (one output) or row indices
;;   12      i32   data       n * cols doubles, the prediction rows (several outputs)
;;   16      i32   table      n * n doubles of row distances, or 0 when there is none
;;   20      i32   out        count doubles, the statistic of each sampled order
;;   24      i32   centralFrom, 28 centralTo
;;   32      i32   pairs      number of two-term rows; 36 pairPos (2 i32 each); 40 pairWeight
;;   44      i32   triples    number of three-term rows; 48 triplePos (3 i32 each); 52 tripleCoef
;;   56      f64   centralWeight
;;   64      f64   scale
(module
  (memory (export "memory") 1)

  ;; xoshiro128** state, kept in locals while a shuffle runs.
  (global $s0 (mut i32) (i32.const 0))
  (global $s1 (mut i32) (i32.const 0))
  (global $s2 (mut i32) (i32.const 0))
  (global $s3 (mut i32) (i32.const 0))

  ;; MurmurHash3's 32-bit finaliser, as fmix32 in ../rng.ts.
  (func $fmix32 (param $h i32) (result i32)
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16)))
                           (i32.const 0x85ebca6b)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13)))
                           (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; One output of the generator (used only while seeding; the shuffle inlines it).
  (func $next (result i32)
    (local $t2 i32) (local $t3 i32) (local $r i32)
    (local.set $t2 (i32.xor (global.get $s2) (global.get $s0)))
    (local.set $t3 (i32.xor (global.get $s3) (global.get $s1)))
    (local.set $r (i32.mul (i32.rotl (i32.mul (global.get $s1) (i32.const 5)) (i32.const 7))
                           (i32.const 9)))
    (global.set $s2 (i32.xor (local.get $t2) (i32.shl (global.get $s1) (i32.const 9))))
    (global.set $s1 (i32.xor (global.get $s1) (local.get $t2)))
    (global.set $s0 (i32.xor (global.get $s0) (local.get $t3)))
    (global.set $s3 (i32.rotl (local.get $t3) (i32.const 11)))
    (local.get $r))

  ;; new Rng(seed, stream) in ../rng.ts: two words from the seed, two from the stream, 8 warm-up draws.
  (func $seed (param $seed i32) (param $stream i32)
    (local $k i32)
    (global.set $s0 (call $fmix32 (i32.xor (local.get $seed) (i32.const 0x9e3779b9))))
    (global.set $s1 (call $fmix32 (i32.xor (local.get $seed) (i32.const 0x243f6a88))))
    (global.set $s2 (call $fmix32 (i32.xor (local.get $stream) (i32.const 0xb7e15162))))
    (global.set $s3 (call $fmix32 (i32.xor (local.get $stream) (i32.const 0x85a308d3))))
    (loop $warm
      (drop (call $next))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $warm (i32.lt_u (local.get $k) (i32.const 8)))))

  ;; The first `count` outputs of the generator seeded by (seed, stream), as unsigned 32-bit
  ;; integers at `out`: lets the tests pin the generator to ../rng.ts.
  (func (export "draws") (param $seed i32) (param $stream i32) (param $count i32) (param $out i32)
    (local $k i32)
    (call $seed (local.get $seed) (local.get $stream))
    (block $done
      (loop $draw
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (call $next))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $draw))))

  ;; Fisher-Yates over n slots of 8 bytes at $a (doubles or row indices alike), from the last
  ;; slot down, with the batched draws of shuffle() in ../shuffle.ts and its three loops:
  ;; three indices per draw while (i+1) i (i-1) <= 2^32, then two while (i+1) i <= 2^32 (and
  ;; i < 2^21), then one. Every batch is exact: a draw whose low word falls below
  ;; (2^32 - bound) mod bound is rejected (Lemire's multiply-and-reject). Each loop repeats the
  ;; generator step of $next on locals: V8 does not inline WebAssembly calls, and a call (or the
  ;; state in globals) per draw would cost more than the shuffle itself.
  (func $shuffle (param $a i32) (param $n i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $t2 i32) (local $t3 i32)
    (local $i i64) (local $bound i64)
    (local $m1 i64) (local $m2 i64) (local $m3 i64) (local $low i64)
    (local $p i32) (local $q i32) (local $tmp i64)
    (local.set $x0 (global.get $s0))
    (local.set $x1 (global.get $s1))
    (local.set $x2 (global.get $s2))
    (local.set $x3 (global.get $s3))
    (local.set $i (i64.extend_i32_u (i32.sub (local.get $n) (i32.const 1))))
    ;; Three indices per draw: r (i+1) gives slot i's partner in its high word; its low word
    ;; times i gives slot i-1's, whose low word times (i-1) gives slot i-2's.
    (block $done
      (loop $step
        (br_if $done (i64.lt_s (local.get $i) (i64.const 3)))
        (local.set $bound (i64.mul (i64.mul (i64.add (local.get $i) (i64.const 1)) (local.get $i))
                                   (i64.sub (local.get $i) (i64.const 1))))
        (br_if $done (i64.gt_u (local.get $bound) (i64.const 4294967296)))
        (loop $draw
          (local.set $t2 (i32.xor (local.get $x2) (local.get $x0)))
          (local.set $t3 (i32.xor (local.get $x3) (local.get $x1)))
          (local.set $m1 (i64.mul
            (i64.extend_i32_u (i32.mul (i32.rotl (i32.mul (local.get $x1) (i32.const 5)) (i32.const 7))
                                       (i32.const 9)))
            (i64.add (local.get $i) (i64.const 1))))
          (local.set $x2 (i32.xor (local.get $t2) (i32.shl (local.get $x1) (i32.const 9))))
          (local.set $x1 (i32.xor (local.get $x1) (local.get $t2)))
          (local.set $x0 (i32.xor (local.get $x0) (local.get $t3)))
          (local.set $x3 (i32.rotl (local.get $t3) (i32.const 11)))
          (local.set $m2 (i64.mul (i64.and (local.get $m1) (i64.const 0xffffffff)) (local.get $i)))
          (local.set $m3 (i64.mul (i64.and (local.get $m2) (i64.const 0xffffffff))
                                  (i64.sub (local.get $i) (i64.const 1))))
          (local.set $low (i64.and (local.get $m3) (i64.const 0xffffffff)))
          (br_if $draw
            (if (result i32) (i64.lt_u (local.get $low) (local.get $bound))
              (then (i64.lt_u (local.get $low)
                              (i64.rem_u (i64.sub (i64.const 4294967296) (local.get $bound))
                                         (local.get $bound))))
              (else (i32.const 0)))))
        (local.set $p (i32.add (local.get $a) (i32.shl (i32.wrap_i64 (local.get $i)) (i32.const 3))))
        (local.set $q (i32.add (local.get $a)
          (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $m1) (i64.const 32))) (i32.const 3))))
        (local.set $tmp (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.load (local.get $q)))
        (i64.store (local.get $q) (local.get $tmp))
        (local.set $p (i32.add (local.get $a) (i32.shl (i32.wrap_i64 (i64.sub (local.get $i) (i64.const 1))) (i32.const 3))))
        (local.set $q (i32.add (local.get $a)
          (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $m2) (i64.const 32))) (i32.const 3))))
        (local.set $tmp (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.load (local.get $q)))
        (i64.store (local.get $q) (local.get $tmp))
        (local.set $p (i32.add (local.get $a) (i32.shl (i32.wrap_i64 (i64.sub (local.get $i) (i64.const 2))) (i32.const 3))))
        (local.set $q (i32.add (local.get $a)
          (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $m3) (i64.const 32))) (i32.const 3))))
        (local.set $tmp (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.load (local.get $q)))
        (i64.store (local.get $q) (local.get $tmp))
        (local.set $i (i64.sub (local.get $i) (i64.const 3)))
        (br $step)))
    ;; Two indices per draw.
    (block $done
      (loop $step
        (br_if $done (i64.lt_s (local.get $i) (i64.const 2)))
        (br_if $done (i64.ge_s (local.get $i) (i64.const 2097152)))
        (local.set $bound (i64.mul (i64.add (local.get $i) (i64.const 1)) (local.get $i)))
        (br_if $done (i64.gt_u (local.get $bound) (i64.const 4294967296)))
        (loop $draw
          (local.set $t2 (i32.xor (local.get $x2) (local.get $x0)))
          (local.set $t3 (i32.xor (local.get $x3) (local.get $x1)))
          (local.set $m1 (i64.mul
            (i64.extend_i32_u (i32.mul (i32.rotl (i32.mul (local.get $x1) (i32.const 5)) (i32.const 7))
                                       (i32.const 9)))
            (i64.add (local.get $i) (i64.const 1))))
          (local.set $x2 (i32.xor (local.get $t2) (i32.shl (local.get $x1) (i32.const 9))))
          (local.set $x1 (i32.xor (local.get $x1) (local.get $t2)))
          (local.set $x0 (i32.xor (local.get $x0) (local.get $t3)))
          (local.set $x3 (i32.rotl (local.get $t3) (i32.const 11)))
          (local.set $m2 (i64.mul (i64.and (local.get $m1) (i64.const 0xffffffff)) (local.get $i)))
          (local.set $low (i64.and (local.get $m2) (i64.const 0xffffffff)))
          (br_if $draw
            (if (result i32) (i64.lt_u (local.get $low) (local.get $bound))
              (then (i64.lt_u (local.get $low)
                              (i64.rem_u (i64.sub (i64.const 4294967296) (local.get $bound))
                                         (local.get $bound))))
              (else (i32.const 0)))))
        (local.set $p (i32.add (local.get $a) (i32.shl (i32.wrap_i64 (local.get $i)) (i32.const 3))))
        (local.set $q (i32.add (local.get $a)
          (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $m1) (i64.const 32))) (i32.const 3))))
        (local.set $tmp (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.load (local.get $q)))
        (i64.store (local.get $q) (local.get $tmp))
        (local.set $p (i32.add (local.get $a) (i32.shl (i32.wrap_i64 (i64.sub (local.get $i) (i64.const 1))) (i32.const 3))))
        (local.set $q (i32.add (local.get $a)
          (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $m2) (i64.const 32))) (i32.const 3))))
        (local.set $tmp (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.load (local.get $q)))
        (i64.store (local.get $q) (local.get $tmp))
        (local.set $i (i64.sub (local.get $i) (i64.const 2)))
        (br $step)))
    ;; One index per draw (Rng.nextBelow).
    (block $done
      (loop $step
        (br_if $done (i64.le_s (local.get $i) (i64.const 0)))
        (local.set $bound (i64.add (local.get $i) (i64.const 1)))
        (loop $draw
          (local.set $t2 (i32.xor (local.get $x2) (local.get $x0)))
          (local.set $t3 (i32.xor (local.get $x3) (local.get $x1)))
          (local.set $m1 (i64.mul
            (i64.extend_i32_u (i32.mul (i32.rotl (i32.mul (local.get $x1) (i32.const 5)) (i32.const 7))
                                       (i32.const 9)))
            (i64.add (local.get $i) (i64.const 1))))
          (local.set $x2 (i32.xor (local.get $t2) (i32.shl (local.get $x1) (i32.const 9))))
          (local.set $x1 (i32.xor (local.get $x1) (local.get $t2)))
          (local.set $x0 (i32.xor (local.get $x0) (local.get $t3)))
          (local.set $x3 (i32.rotl (local.get $t3) (i32.const 11)))
          (local.set $low (i64.and (local.get $m1) (i64.const 0xffffffff)))
          (br_if $draw
            (if (result i32) (i64.lt_u (local.get $low) (local.get $bound))
              (then (i64.lt_u (local.get $low)
                              (i64.rem_u (i64.sub (i64.const 4294967296) (local.get $bound))
                                         (local.get $bound))))
              (else (i32.const 0)))))
        (local.set $p (i32.add (local.get $a) (i32.shl (i32.wrap_i64 (local.get $i)) (i32.const 3))))
        (local.set $q (i32.add (local.get $a)
          (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $m1) (i64.const 32))) (i32.const 3))))
        (local.set $tmp (i64.load (local.get $p)))
        (i64.store (local.get $p) (i64.load (local.get $q)))
        (i64.store (local.get $q) (local.get $tmp))
        (local.set $i (i64.sub (local.get $i) (i64.const 1)))
        (br $step)))
    (global.set $s0 (local.get $x0))
    (global.set $s1 (local.get $x1))
    (global.set $s2 (local.get $x2))
    (global.set $s3 (local.get $x3)))

  ;; evaluateScalar in ../preparedStatistic.ts: the statistic of one output whose values, in the order
  ;; to evaluate, are the doubles at $v.
  (func $evaluateValues (param $h i32) (param $v i32) (result f64)
    (local $k i32) (local $end i32) (local $p i32) (local $c i32)
    (local $acc v128) (local $central f64) (local $sum f64)
    ;; Central run: sum |v[k+1] - v[k-1]| in two lanes (steps cf, cf+2, ... and cf+1, cf+3, ...),
    ;; the odd one out added to the first, times the common weight.
    (local.set $p (i32.add (local.get $v) (i32.shl (i32.load offset=24 (local.get $h)) (i32.const 3))))
    (local.set $end (i32.add (local.get $v) (i32.shl (i32.load offset=28 (local.get $h)) (i32.const 3))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (i32.add (local.get $p) (i32.const 8)) (local.get $end)))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.abs (f64x2.sub (v128.load offset=8 (local.get $p))
                                (v128.load (i32.sub (local.get $p) (i32.const 8)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $row)))
    (local.set $central (f64x2.extract_lane 0 (local.get $acc)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then (local.set $central (f64.add (local.get $central)
        (f64.abs (f64.sub (f64.load offset=8 (local.get $p))
                          (f64.load (i32.sub (local.get $p) (i32.const 8)))))))))
    (local.set $central (f64.add (local.get $central) (f64x2.extract_lane 1 (local.get $acc))))
    (local.set $sum (f64.mul (local.get $central) (f64.load offset=56 (local.get $h))))
    ;; Two-term rows: w |v[j] - v[i]|.
    (local.set $p (i32.load offset=36 (local.get $h)))
    (local.set $c (i32.load offset=40 (local.get $h)))
    (local.set $k (i32.load offset=32 (local.get $h)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum (f64.add (local.get $sum)
          (f64.mul (f64.load (local.get $c))
            (f64.abs (f64.sub
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3))))
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load (local.get $p)) (i32.const 3)))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $row)))
    ;; Three-term rows: |c0 v[p0] + c1 v[p1] + c2 v[p2]|, added left to right.
    (local.set $p (i32.load offset=48 (local.get $h)))
    (local.set $c (i32.load offset=52 (local.get $h)))
    (local.set $k (i32.load offset=44 (local.get $h)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum (f64.add (local.get $sum)
          (f64.abs (f64.add
            (f64.add
              (f64.mul (f64.load (local.get $c))
                (f64.load (i32.add (local.get $v) (i32.shl (i32.load (local.get $p)) (i32.const 3)))))
              (f64.mul (f64.load offset=8 (local.get $c))
                (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3))))))
            (f64.mul (f64.load offset=16 (local.get $c))
              (f64.load (i32.add (local.get $v) (i32.shl (i32.load offset=8 (local.get $p)) (i32.const 3)))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 12)))
        (local.set $c (i32.add (local.get $c) (i32.const 24)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $row)))
    (f64.mul (local.get $sum) (f64.load offset=64 (local.get $h))))

  ;; rowDistance in ../preparedStatistic.ts: sum_c |y_jc - y_ic|, looked up when there is a table,
  ;; otherwise added in two lanes (even and odd columns), in the reference's order.
  (func $rowDistance (param $h i32) (param $i i32) (param $j i32) (result f64)
    (local $table i32) (local $cols i32) (local $pi i32) (local $pj i32) (local $end i32)
    (local $acc v128) (local $d f64)
    (local.set $table (i32.load offset=16 (local.get $h)))
    (if (i32.ne (local.get $table) (i32.const 0))
      (then (return (f64.load (i32.add (local.get $table)
        (i32.shl (i32.add (i32.mul (local.get $i) (i32.load (local.get $h))) (local.get $j))
                 (i32.const 3)))))))
    (local.set $cols (i32.load offset=4 (local.get $h)))
    (local.set $pi (i32.add (i32.load offset=12 (local.get $h))
                            (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 3))))
    (local.set $pj (i32.add (i32.load offset=12 (local.get $h))
                            (i32.shl (i32.mul (local.get $j) (local.get $cols)) (i32.const 3))))
    (local.set $end (i32.add (local.get $pi)
                             (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $pi) (local.get $end)))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.abs (f64x2.sub (v128.load (local.get $pj)) (v128.load (local.get $pi))))))
        (local.set $pi (i32.add (local.get $pi) (i32.const 16)))
        (local.set $pj (i32.add (local.get $pj) (i32.const 16)))
        (br $pair)))
    (local.set $d (f64x2.extract_lane 0 (local.get $acc)))
    (if (i32.and (local.get $cols) (i32.const 1))
      (then (local.set $d (f64.add (local.get $d)
        (f64.abs (f64.sub (f64.load (local.get $pj)) (f64.load (local.get $pi))))))))
    (f64.add (local.get $d) (f64x2.extract_lane 1 (local.get $acc))))

  ;; evaluateIndexed in ../preparedStatistic.ts: the statistic with step k taken from row order[k].
  (func $evaluateRows (param $h i32) (result f64)
    (local $order i32) (local $k i32) (local $p i32) (local $c i32) (local $end i32)
    (local $cols i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $last i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $acc v128)
    (local $central f64) (local $sum f64) (local $s f64)
    (local.set $order (i32.load offset=8 (local.get $h)))
    ;; Central run: distance between the rows either side of each step.
    (local.set $p (i32.add (local.get $order) (i32.shl (i32.load offset=24 (local.get $h)) (i32.const 3))))
    (local.set $end (i32.add (local.get $order) (i32.shl (i32.load offset=28 (local.get $h)) (i32.const 3))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $central (f64.add (local.get $central)
          (call $rowDistance (local.get $h)
            (i32.load (i32.sub (local.get $p) (i32.const 8)))
            (i32.load offset=8 (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $row)))
    (local.set $sum (f64.mul (local.get $central) (f64.load offset=56 (local.get $h))))
    ;; Two-term rows.
    (local.set $p (i32.load offset=36 (local.get $h)))
    (local.set $c (i32.load offset=40 (local.get $h)))
    (local.set $k (i32.load offset=32 (local.get $h)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $sum (f64.add (local.get $sum)
          (f64.mul (f64.load (local.get $c))
            (call $rowDistance (local.get $h)
              (i32.load (i32.add (local.get $order) (i32.shl (i32.load (local.get $p)) (i32.const 3))))
              (i32.load (i32.add (local.get $order) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $row)))
    ;; Three-term rows: sum_c |c0 y[r0,c] + c1 y[r1,c] + c2 y[r2,c]|, two columns at a time.
    (local.set $cols (i32.load offset=4 (local.get $h)))
    (local.set $last (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $p (i32.load offset=48 (local.get $h)))
    (local.set $c (i32.load offset=52 (local.get $h)))
    (local.set $k (i32.load offset=44 (local.get $h)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $r0 (i32.add (i32.load offset=12 (local.get $h)) (i32.shl (i32.mul (local.get $cols)
          (i32.load (i32.add (local.get $order) (i32.shl (i32.load (local.get $p)) (i32.const 3)))))
          (i32.const 3))))
        (local.set $r1 (i32.add (i32.load offset=12 (local.get $h)) (i32.shl (i32.mul (local.get $cols)
          (i32.load (i32.add (local.get $order) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3)))))
          (i32.const 3))))
        (local.set $r2 (i32.add (i32.load offset=12 (local.get $h)) (i32.shl (i32.mul (local.get $cols)
          (i32.load (i32.add (local.get $order) (i32.shl (i32.load offset=8 (local.get $p)) (i32.const 3)))))
          (i32.const 3))))
        (local.set $c0 (f64x2.splat (f64.load (local.get $c))))
        (local.set $c1 (f64x2.splat (f64.load offset=8 (local.get $c))))
        (local.set $c2 (f64x2.splat (f64.load offset=16 (local.get $c))))
        (local.set $acc (v128.const f64x2 0 0))
        (local.set $end (i32.add (local.get $r0) (local.get $last)))
        (block $columns
          (loop $column
            (br_if $columns (i32.ge_u (local.get $r0) (local.get $end)))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.abs
              (f64x2.add
                (f64x2.add (f64x2.mul (local.get $c0) (v128.load (local.get $r0)))
                           (f64x2.mul (local.get $c1) (v128.load (local.get $r1))))
                (f64x2.mul (local.get $c2) (v128.load (local.get $r2)))))))
            (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
            (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
            (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
            (br $column)))
        (local.set $s (f64x2.extract_lane 0 (local.get $acc)))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then (local.set $s (f64.add (local.get $s) (f64.abs (f64.add
            (f64.add (f64.mul (f64x2.extract_lane 0 (local.get $c0)) (f64.load (local.get $r0)))
                     (f64.mul (f64x2.extract_lane 0 (local.get $c1)) (f64.load (local.get $r1))))
            (f64.mul (f64x2.extract_lane 0 (local.get $c2)) (f64.load (local.get $r2)))))))))
        (local.set $sum (f64.add (local.get $sum)
          (f64.add (local.get $s) (f64x2.extract_lane 1 (local.get $acc)))))
        (local.set $p (i32.add (local.get $p) (i32.const 12)))
        (local.set $c (i32.add (local.get $c) (i32.const 24)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $row)))
    (f64.mul (local.get $sum) (f64.load offset=64 (local.get $h))))

  ;; sampleNullChunkReference for one output: `count` statistics of successive shuffles of the
  ;; values at `order`, written to `out`.
  (func (export "sampleValues") (param $h i32) (param $seed i32) (param $stream i32) (param $count i32)
    (local $order i32) (local $n i32) (local $out i32) (local $end i32)
    (local.set $order (i32.load offset=8 (local.get $h)))
    (local.set $n (i32.load (local.get $h)))
    (local.set $out (i32.load offset=20 (local.get $h)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 3))))
    (call $seed (local.get $seed) (local.get $stream))
    (block $done
      (loop $sample
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (call $shuffle (local.get $order) (local.get $n))
        (f64.store (local.get $out) (call $evaluateValues (local.get $h) (local.get $order)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $sample))))

  ;; The same for several outputs: the order of row indices at `order` starts as 0, 1, ..., n - 1.
  (func (export "sampleRows") (param $h i32) (param $seed i32) (param $stream i32) (param $count i32)
    (local $order i32) (local $n i32) (local $out i32) (local $end i32) (local $k i32)
    (local.set $order (i32.load offset=8 (local.get $h)))
    (local.set $n (i32.load (local.get $h)))
    (block $done
      (loop $slot
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (i64.store (i32.add (local.get $order) (i32.shl (local.get $k) (i32.const 3)))
                   (i64.extend_i32_u (local.get $k)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $slot)))
    (local.set $out (i32.load offset=20 (local.get $h)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 3))))
    (call $seed (local.get $seed) (local.get $stream))
    (block $done
      (loop $sample
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (call $shuffle (local.get $order) (local.get $n))
        (f64.store (local.get $out) (call $evaluateRows (local.get $h)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $sample))))
)
