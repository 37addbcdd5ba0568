import type { UnitDriver } from '../ports.js';
import type { Unit } from '../plan/plan.js';
import type { UnitRecord } from '../journal/journal.js';

// A cluster over several engines: one driver of a kind per engine, and in
// front of them one that sends each unit (or journal record) to the driver of
// its engine. The executor, rollback and recovery stay as they are: they see
// one driver per kind, and every unit already carries its engine.

export interface EngineDriverSet<U extends Unit> {
	/** Engine name (the unit's `engine`) -> that engine's driver of this kind. */
	drivers: Map<string, UnitDriver<U>>;
	/**
	 * A hand-typed `docker ...` line for another engine than the shell's: the
	 * docker CLI needs `--context NAME` or `-H ENDPOINT` in front to reach it.
	 */
	commandOn?: (engine: string, command: string) => string;
}

export function perEngine<U extends Unit>(kind: string, set: EngineDriverSet<U>): UnitDriver<U> {
	const first = set.drivers.values().next().value as UnitDriver<U> | undefined;
	if (!first) throw new Error(`no engine for units of kind ${kind}`);
	const of = (engine: string | undefined): UnitDriver<U> => {
		const driver = engine === undefined ? undefined : set.drivers.get(engine);
		if (!driver) throw new Error(`no ${kind} driver for the engine ${engine ?? '(none recorded)'}`);
		return driver;
	};
	const forRecord = (record: UnitRecord) => of(record.engine);
	const reach = (engine: string | undefined, command: string) => (engine !== undefined && set.commandOn ? set.commandOn(engine, command) : command);
	return {
		kind,
		record: (unit, hop) => of(unit.engine).record(unit, hop),
		prepare: (unit, ctx) => of(unit.engine).prepare(unit, ctx),
		swap: (unit) => of(unit.engine).swap(unit),
		stop: (unit, why) => of(unit.engine).stop(unit, why),
		commit: (record) => forRecord(record).commit(record),
		replan: (unit, targetRef) => of(unit.engine).replan(unit, targetRef),
		kept: (unit) => of(unit.engine).kept(unit),
		keptRemoval: (unit) => {
			// What a one-engine summary leaves implicit (`docker rm <kept>`) is said here: it needs the engine's flag.
			const driver = of(unit.engine);
			const kept = driver.kept(unit);
			const commands = driver.keptRemoval?.(unit) ?? (kept && !kept.includes(',') ? [`docker rm ${kept}`] : undefined);
			return commands?.map((command) => reach(unit.engine, command));
		},
		...(first.backupGate ? { backupGate: (unit: U) => of(unit.engine).backupGate!(unit) } : {}),
		steps: (unit) => of(unit.engine).steps(unit),
		describe: (unit, plan) => of(unit.engine).describe(unit, plan),
		// An undo's phase is its kind's, on whichever engine it runs.
		phaseOf: (undo) => first.phaseOf(undo),
		label: (record, undo) => forRecord(record).label(record, undo),
		undo: (record, undo, ctx) => forRecord(record).undo(record, undo, ctx),
		command: (record, undo) => {
			const command = forRecord(record).command(record, undo);
			return command === undefined ? undefined : reach(record.engine, command);
		},
		verifyBack: (record, ctx) => forRecord(record).verifyBack(record, ctx),
		handOver: async (record) => {
			const handOver = await forRecord(record).handOver(record);
			return { ...handOver, commands: handOver.commands.map((command) => reach(record.engine, command)) };
		},
		stateNow: (record) => forRecord(record).stateNow(record),
	};
}

/** `docker ...` aimed at an engine: the CLI's own flags, so the line can be pasted as it is. */
export function dockerCommandOn(engine: { name: string; endpoint: string; ref?: { kind: 'host' | 'context'; value: string } }, command: string): string {
	if (!command.startsWith('docker ')) return command;
	const flag = engine.ref?.kind === 'context' ? `--context ${engine.ref.value}` : `-H ${engine.endpoint}`;
	return `docker ${flag} ${command.slice('docker '.length)}`;
}
