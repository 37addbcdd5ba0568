import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { messageOf } from '../errors.js';
import type { ChoiceGate, Gate, GateAnswer } from '../events.js';
import type { DatabasePlan } from '../plan/database.js';
import type { Plan } from '../plan/plan.js';
import { formatBytes } from '../../text/format.js';
import type { RunContext } from './context.js';

// The questions a run asks before it touches anything. Interactive and --yes
// runs ask the same gates; only who answers differs (the prompter).

/** Other destinations (or skips taken back) before the backup gate counts as declined. */
const MAX_BACKUP_REASKS = 10;

export function skipBackupGate(): Gate {
	return {
		kind: 'skip-backup',
		title: 'Upgrade without a backup?',
		message: 'No backup of the database will be taken. If the new version migrates the schema and fails, there is no way back.',
	};
}

/** `problem`: why the last directory the operator typed was refused. */
function backupGate(database: DatabasePlan, problem?: string): ChoiceGate {
	return {
		kind: 'backup',
		title: 'Back up the database',
		message: problem
			? `${problem}; the backup still goes to ${database.backupDir}`
			: database.embedded
				? `A copy of the data directory of ${database.display} is taken and verified with the app stopped`
				: `A pg_dump of ${database.display} is taken and verified before anything stops`,
		details: database.embedded
			? [
					`database: ${database.display} (${database.embedded.mount.type} ${database.embedded.mount.source})`,
					`size: ${database.sizeBytes > 0 ? formatBytes(database.sizeBytes) : 'unknown'} (the copy is the directory as it is)`,
					`destination: ${database.backupDir} (${formatBytes(database.freeBytes)} free)`,
					`copied by: ${database.dumpWith}`,
					'the app is stopped before the copy: its database server runs inside it',
				]
			: [
					`database: ${database.display} (server ${database.serverVersion})`,
					`size estimate: ${formatBytes(database.sizeBytes)} (the dump is usually smaller: it is compressed)`,
					`destination: ${database.backupDir} (${formatBytes(database.freeBytes)} free)`,
					`dumped by: ${database.dumpWith}`,
					database.offline ? 'the app is stopped before the dump (--offline-backup)' : 'the dump runs while the app is up, right before the first stop',
				],
		choices: [
			{ choice: 'confirm', label: `back up to ${database.backupDir}` },
			{ choice: 'destination', label: 'back up to another directory', input: 'path' },
			{ choice: 'skip', label: 'upgrade without a backup (asks again to be sure)' },
		],
	};
}

export function migrationGate(plan: Plan, tag: string, noBackup = false): Gate {
	const database = plan.database!;
	const index = plan.hops.indexOf(tag);
	const before = index === 0 ? database.schemaFrom : database.hopSchemas[plan.hops[index - 1]!];
	const timeout = database.migrationTimeoutMs ?? plan.options.healthTimeoutS * 5000;
	const details = [
		`database ${database.display}: schema ${before ?? database.schemaReported ?? 'unknown'} -> ${database.hopSchemas[tag] ?? '? (the image declares no schema version; the product migrates at start)'}`,
		`the first start runs the migration and may take much longer: the health timeout is ${Math.round(timeout / 1000)} s`,
		noBackup
			? 'there is no automatic downgrade and NO backup will be taken: nothing can take the migration back'
			: 'there is no automatic downgrade: the verified backup taken before it is the only way back',
	];
	if (plan.units.length > 1) {
		details.push(
			database.stopAllFirst
				? 'every node is stopped before the first migrating start (--stop-all-first)'
				: 'nodes not yet upgraded run against the migrated schema until their turn',
		);
	}
	const may = database.hopSchemas[tag] === undefined;
	return { kind: 'migration', title: `Schema migration in ${tag}`, message: may ? `${tag} may migrate the database schema when it starts` : `${tag} migrates the database schema`, details };
}

export class Gates {
	constructor(private readonly ctx: RunContext) {}

	async ask(gate: Gate): Promise<boolean> {
		const { prompter } = this.ctx.deps;
		const answer = await prompter.confirm(gate);
		this.ctx.emit({ type: 'gate', gate, answer, by: prompter.name });
		return answer;
	}

	/** A choice gate, asked as plain yes/no of prompters that cannot choose (--yes). */
	async askChoice(gate: ChoiceGate): Promise<GateAnswer> {
		const { prompter } = this.ctx.deps;
		const raw: GateAnswer = prompter.choose ? await prompter.choose(gate) : { choice: (await prompter.confirm(gate)) ? 'confirm' : 'no' };
		// Only what the gate offered counts; anything else is a no.
		const offered = raw.choice === 'no' || gate.choices.some((choice) => choice.choice === raw.choice);
		const answer: GateAnswer = offered ? raw : { choice: 'no' };
		this.ctx.emit({
			type: 'gate',
			gate,
			answer: answer.choice === 'confirm',
			by: prompter.name,
			choice: answer.choice,
			...(answer.choice === 'destination' && answer.value !== undefined ? { value: answer.value } : {}),
		});
		return answer;
	}

	/**
	 * The backup gate (screen 5): back up as planned, back up to another
	 * directory (checked like the planned one: writable, 1.2x the database
	 * free, then asked again), or, confirmed a second time, take no backup.
	 * Returns the database to back up (undefined: skipped) or why the run ends.
	 */
	async settleBackup(planned: DatabasePlan): Promise<{ database: DatabasePlan | undefined } | { refused: string }> {
		let database = planned;
		let problem: string | undefined;
		// Bounded: an operator (or a prompter) going round in circles ends as a no.
		for (let round = 0; round <= MAX_BACKUP_REASKS; round++) {
			const answer = await this.askChoice(backupGate(database, problem));
			problem = undefined;
			if (answer.choice === 'confirm') return { database };
			if (answer.choice === 'destination') {
				const moved = answer.value?.trim() ? await this.otherDestination(database, answer.value) : 'no directory was given';
				if (typeof moved === 'string') problem = moved;
				else database = moved;
			} else if (answer.choice === 'skip') {
				if (await this.ask(skipBackupGate())) {
					this.ctx.emit({
						type: 'warning',
						message: 'no database backup will be taken (skipped by the operator): a failed migration cannot be undone and a rollback cannot restore the database',
					});
					return { database: undefined };
				}
				// Not confirmed: back to the backup question, nothing skipped.
			} else {
				return { refused: 'backup not confirmed; nothing was changed' };
			}
		}
		return { refused: `backup not confirmed after ${MAX_BACKUP_REASKS} changes; nothing was changed` };
	}

	/** The same checks preflight made of the planned directory: writable, 1.2x the database free. */
	private async otherDestination(database: DatabasePlan, typed: string): Promise<DatabasePlan | string> {
		const dir = resolve(typed.trim().replace(/^~(?=$|\/)/, homedir()));
		try {
			const space = await this.ctx.deps.database.checkSpace(dir, database.sizeBytes);
			if (!space.ok) {
				return `not enough space in ${dir}: ${formatBytes(space.freeBytes)} free, ${formatBytes(space.neededBytes)} needed (1.2 x the database)`;
			}
			return { ...database, backupDir: dir, freeBytes: space.freeBytes };
		} catch (error) {
			return `${dir} cannot take the backup: ${messageOf(error)}`;
		}
	}
}
