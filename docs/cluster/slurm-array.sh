#!/bin/bash
# propsweep explain-folder as a Slurm array job: task I of N explains share I of the folder
# (--shard I/N) into its own folder, and a merge job that Slurm starts once every task has
# succeeded joins them into one summary with the same numbers as a run on one machine.
#
#   SHARDS=16 IMAGES=/shared/lesions OUT=/shared/propsweep/lesions bash docs/cluster/slurm-array.sh
#
# A task that fails or is preempted (--requeue) resumes where it stopped when it runs again:
# its finished images are on disk. After fixing a failed task, resubmit only it
# (sbatch --array=K ...) and then the merge. Paths must not contain spaces.
set -euo pipefail

# Edit these, or set them in the environment.
: "${SHARDS:=8}"                                   # tasks: the folder is cut into this many shares
: "${IMAGES:=/shared/datasets/images}"             # the folder of images (NAME.mask.png beside)
: "${OUT:=/shared/propsweep/run}"                  # shard-1 ... shard-N and merged/ go here
: "${PROPSWEEP:=apptainer exec --nv /shared/containers/propsweep.sif node /opt/propsweep/dist/cli.js}"
# The edit, the path and the classifiers: any option of propsweep explain (see --help).
: "${EXPLAIN_OPTIONS:=--editor brightness --param factor=1.8 --model /shared/models/classifier.onnx --steps 21 --permutations 10000}"
: "${PROVIDER:=cuda}"                              # falls back to cpu, saying why, without a GPU
: "${SBATCH_OPTIONS:=--gres=gpu:1 --cpus-per-task=8 --mem=32G --time=08:00:00}"

mkdir -p "$OUT/logs"
# The task's script is expanded now, except \$SLURM_ARRAY_TASK_ID, which each task fills in.
# shellcheck disable=SC2086 # SBATCH_OPTIONS and EXPLAIN_OPTIONS are lists of words
array=$(sbatch --parsable --array=1-"$SHARDS" --job-name=propsweep-shards --requeue \
  $SBATCH_OPTIONS --output="$OUT/logs/shard-%a.log" <<SCRIPT
#!/bin/bash
exec $PROPSWEEP explain-folder --folder $IMAGES $EXPLAIN_OPTIONS --provider $PROVIDER \\
  --shard \$SLURM_ARRAY_TASK_ID/$SHARDS --out $OUT/shard-\$SLURM_ARRAY_TASK_ID
SCRIPT
)
# afterok: only when every task has succeeded (a missing shard would be refused anyway).
merge=$(sbatch --parsable --job-name=propsweep-merge --dependency=afterok:"${array%%;*}" \
  --output="$OUT/logs/merge.log" \
  --wrap "$PROPSWEEP merge $OUT/shard-* --out $OUT/merged --json > $OUT/merged.json")
echo "submitted shards: job ${array%%;*} (tasks 1-$SHARDS), merge: job ${merge%%;*}"
echo "summary when done: $OUT/merged/*.propsweep-folder.json (and $OUT/merged.json)"
