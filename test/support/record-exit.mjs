// Runs a command on this terminal and writes its exit code to a file: tmux keeps
// no exit status for a pane here, and a shell string is not wanted for it.
// Usage: node record-exit.mjs STATUS_FILE COMMAND [ARGS...]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const [statusFile, command, ...args] = process.argv.slice(2);
const result = spawnSync(command, args, { stdio: 'inherit' });
writeFileSync(statusFile, String(result.status ?? `signal ${result.signal}`));
