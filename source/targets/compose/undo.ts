import type Docker from 'dockerode';
import type { Undo, UndoPhase } from '../../core/ports.js';
import { composeArgv, composeEnv, shellWords, type ComposeCommand } from './cli.js';
import { removeOneOff, type RemoveOneOffUndo } from './one-off.js';
import { runCompose } from './run-compose.js';
import { restoreCopy } from './files.js';
import type { ComposeRecord, FileCopy } from './unit.js';

// The typed undos of a Compose service's upgrade, each idempotent against
// what is on disk and on the engine now, so rollback and recover (even twice)
// end in the same state:
// - restore-files: the files back from the copies, byte for byte (detach);
// - compose-stop: stop the service's new containers (detach, before a restore);
// - compose-up: `up -d --no-deps SERVICE` on the restored files (revive):
//   Compose starts the old containers again when they are still there (their
//   config hash matches), else recreates them from the old image, still local;
// - remove-one-off: stop and remove the --migrate-first one-off by its name
//   and the wizard's label (detach: nothing of the new version may run while
//   the database is restored).

export type ComposeUndo =
	| { kind: 'restore-files'; copies: string }
	| { kind: 'compose-stop'; service: string }
	| { kind: 'compose-up'; service: string }
	/** --compose-down: the whole project was stopped; `up -d` brings all of it back. */
	| { kind: 'compose-up-project' }
	| RemoveOneOffUndo
	| { kind: 'none'; why: string };

/** Bounded like the swap itself: a stop with its timeout, then a create and start. */
export const upTimeoutMs = (record: Pick<ComposeRecord, 'stopTimeoutS'>) => record.stopTimeoutS * 1000 + 180_000;

export function copiesOf(undo: Undo): FileCopy[] {
	const typed = undo as ComposeUndo;
	if (typed.kind !== 'restore-files') return [];
	return JSON.parse(typed.copies) as FileCopy[];
}

export function commandFor(record: ComposeRecord, undo: ComposeUndo): ComposeCommand | undefined {
	if (undo.kind === 'compose-stop') return { op: 'stop', services: [record.service], timeoutS: record.stopTimeoutS };
	if (undo.kind === 'compose-up') return { op: 'up', services: [record.service], noDeps: true };
	if (undo.kind === 'compose-up-project') return { op: 'up', services: [], noDeps: false };
	return undefined;
}

export async function undoOnce(docker: Docker, record: ComposeRecord, undo: Undo, env: NodeJS.ProcessEnv): Promise<void> {
	const typed = undo as ComposeUndo;
	if (typed.kind === 'remove-one-off') {
		await removeOneOff(docker, typed);
		return;
	}
	if (typed.kind === 'restore-files') {
		// Newest edit last written, first put back.
		for (const file of copiesOf(undo).reverse()) await restoreCopy(file);
		return;
	}
	const command = commandFor(record, typed);
	if (!command) return;
	await runCompose(record.cli, record.project, command, { env: composeEnv(env, record.strip), timeoutMs: upTimeoutMs(record) });
}

const quote = (arg: string) => shellWords([arg]);

/** The undo as an operator would type it (the exit-3 hand-over). */
export function handCommand(record: ComposeRecord, undo: Undo, env: NodeJS.ProcessEnv): string | undefined {
	const typed = undo as ComposeUndo;
	if (typed.kind === 'restore-files') {
		const copies = copiesOf(undo);
		return copies.length === 0 ? undefined : copies.map((file) => (file.created ? `rm ${quote(file.path)}` : `cp ${quote(file.copy)} ${quote(file.path)}`)).join(' && ');
	}
	if (typed.kind === 'remove-one-off') return `docker rm -f ${quote(typed.name)}`;
	const command = commandFor(record, typed);
	if (!command) return undefined;
	const { file, args } = composeArgv(record.cli, record.project, command);
	// The env file must win over the shell, as it did for the wizard's own calls.
	const unset = record.strip.filter((name) => env[name] !== undefined).flatMap((name) => ['-u', name]);
	return [...(unset.length > 0 ? ['env', ...unset] : []), file, ...args].map(quote).join(' ');
}

/** Rollback's phases: what runs the new version (or stands for it, the edited files) goes first; the old service comes back last. */
export function phaseOfUndo(undo: Undo): UndoPhase {
	const kind = (undo as ComposeUndo).kind;
	if (kind === 'compose-up' || kind === 'compose-up-project') return 'revive';
	if (kind === 'restore-files' || kind === 'compose-stop' || kind === 'remove-one-off') return 'detach';
	return 'none';
}

/** The undo in words, as rollback and recover show it. */
export function undoLabel(record: ComposeRecord, undo: Undo): string {
	const typed = undo as ComposeUndo;
	if (typed.kind === 'restore-files') {
		const copies = copiesOf(undo);
		return copies.length > 0 ? `put ${copies.map((copy) => copy.path).join(', ')} back from the copies` : `no file of ${record.service} was changed`;
	}
	if (typed.kind === 'compose-stop') return `stop the new ${record.service}`;
	if (typed.kind === 'compose-up') return `up -d --no-deps ${record.service} on the files as they were`;
	if (typed.kind === 'compose-up-project') return `up -d project ${record.project.name} on the files as they were`;
	if (typed.kind === 'remove-one-off') return `remove ${typed.name}`;
	return typed.why;
}
