#!/bin/bash
# Submit the nmfbench job array and the merge job that waits for it (afterok:
# it starts only when every task succeeded). Written by: runexp slurm $REPO/experiments/slurm_smoke.yaml --dir $DIR --array 3 --data-dir /data/nmf --runexp /opt/nmfbench/bin/runexp --scratch ${TMPDIR:-/tmp}
set -euo pipefail
array=$(sbatch --parsable $DIR/array.sbatch)
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" $DIR/merge.sbatch)
echo "array job $array (3 tasks), merge job ${merge%%;*}; logs in $DIR/logs"
