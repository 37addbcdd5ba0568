import type { ContainerResult, ContainerSummary, EventListener, Prompter, RunEvent, RunSummary } from '../events.js';
import type { BackupRecord, Journal } from '../journal/journal.js';
import type { AuditLog } from '../journal/audit-log.js';
import type { Redactor } from '../../text/redact.js';
import type { DatabasePort, UnitDriver } from '../ports.js';
import type { Unit } from '../plan/plan.js';
import { Timings } from './timing.js';
import { serviceDowntime } from './service-downtime.js';
import { unitLabel } from '../cluster-names.js';

// What every part of a run shares: the journal, the audit log, the drivers,
// the database port, the event boundary (where redaction happens) and timing.

export interface ExecutorDeps {
	/** One driver per unit kind. */
	drivers: Record<string, UnitDriver<any>>;
	database: DatabasePort;
	journal: Journal;
	audit: AuditLog;
	prompter: Prompter;
	redactor: Redactor;
	onEvent: EventListener;
	/** Operator abort (a signal): stop at the next safe point and roll back. */
	signal?: AbortSignal;
}

export class RunContext {
	readonly timings = new Timings();
	/** A unit's label (events name units by it) -> its engine's name, for the events that name only the unit. */
	private readonly engines = new Map<string, string>();
	/** A unit's label -> its container's own name, where they differ (the audit log names the container). */
	private readonly names = new Map<string, string>();

	constructor(readonly deps: ExecutorDeps) {}

	/** The run's units (or journal records): from here on their events name their engine. */
	know(units: ReadonlyArray<{ name: string; label?: string; engine?: string }>): void {
		for (const unit of units) {
			const label = unitLabel(unit);
			if (unit.engine) this.engines.set(label, unit.engine);
			if (label !== unit.name) this.names.set(label, unit.name);
		}
	}

	/**
	 * The emitter a unit's driver gets: the driver names the container by its own
	 * name (all it knows), the run names the unit by its label, on its engine.
	 */
	emitterFor(unit: { name: string; label?: string; engine?: string }): (event: RunEvent) => void {
		const label = unitLabel(unit);
		return (event) => {
			if (!('container' in event) || event.container !== unit.name || label === unit.name) return this.emit(event);
			this.emit({ ...event, container: label, ...(unit.engine && !event.engine ? { engine: unit.engine } : {}) } as RunEvent);
		};
	}

	get journal(): Journal {
		return this.deps.journal;
	}

	emit(event: RunEvent): void {
		// The redaction boundary: nothing leaves a run unredacted; and the engine
		// boundary: every event about a container says which engine it is on.
		const shown = withEngines(this.deps.redactor.value(event), (name) => this.engines.get(name));
		if (shown.type === 'checklist') this.timings.checked(shown.container, shown.items);
		else if (shown.type === 'step-started') this.timings.stepStarted(shown.container, shown.step);
		else if (shown.type === 'step-done') this.timings.stepDone(shown.container, shown.step, shown.durationMs);
		this.deps.onEvent({ ...shown, at: Date.now() });
	}

	/** An audit line for a unit named by its label: the container's own name, and its engine. */
	audit(entry: Parameters<AuditLog['record']>[0]): Promise<void> {
		return this.deps.audit.record({ ...entry, container: this.names.get(entry.container) ?? entry.container, engine: entry.engine ?? this.engines.get(entry.container) });
	}

	get aborted(): boolean {
		return this.deps.signal?.aborted ?? false;
	}

	summary(unit: Unit & { id?: string }, result: ContainerResult, extra: Partial<ContainerSummary> = {}): ContainerSummary {
		return this.timings.summary(unit, result, this.journal, extra);
	}

	/** The newest backup of the run as a summary shows it. */
	backupShown(): ContainerSummary['backup'] {
		const backup = this.journal.lastBackup();
		return backup ? { path: backup.path, sha256: backup.sha256, sizeBytes: backup.sizeBytes, ...backupFormatShown(backup) } : undefined;
	}

	/** Every backup of the run when there is more than one, each with the version it returns to. */
	backupsShown(hops: string[], start: string): ContainerSummary['backups'] {
		const all = this.journal.doc.backups ?? [];
		if (all.length < 2) return undefined;
		return all.map((backup) => {
			const index = hops.indexOf(backup.hop);
			return { path: backup.path, sha256: backup.sha256, sizeBytes: backup.sizeBytes, returnsTo: index > 0 ? hops[index - 1]! : start, ...backupFormatShown(backup) };
		});
	}

	async finish(exitCode: number, containers: ContainerSummary[], status: 'done' | 'rolled-back' | 'rollback-failed' | 'recovered'): Promise<RunSummary> {
		await this.journal.finish(status);
		const service = serviceDowntime(this.timings.nodes(), this.timings.downWindows());
		const summary: RunSummary = { runId: this.journal.doc.runId, exitCode, containers, ...(service ? { service } : {}), journal: this.journal.path };
		this.emit({ type: 'run-done', summary });
		return summary;
	}

	driver<U extends Unit>(kind: string): UnitDriver<U> {
		const driver = this.deps.drivers[kind];
		if (!driver) throw new Error(`no driver for units of kind ${kind}`);
		return driver as UnitDriver<U>;
	}
}

/** The event with `engine` beside each container it names (an engine the emitter gave is kept). */
export function withEngines(event: RunEvent, engineOf: (name: string) => string | undefined): RunEvent {
	const summary = (each: ContainerSummary): ContainerSummary => (each.engine || !engineOf(each.container) ? each : { ...each, engine: engineOf(each.container) });
	switch (event.type) {
		case 'run-started':
			return { ...event, engines: event.engines ?? Object.fromEntries(event.containers.flatMap((name) => (engineOf(name) ? [[name, engineOf(name)!]] : []))) };
		case 'container-done':
			return { ...event, summary: summary(event.summary) };
		case 'run-done':
			return { ...event, summary: { ...event.summary, containers: event.summary.containers.map(summary) } };
		case 'gate':
			return event.gate.container && !event.gate.engine && engineOf(event.gate.container) ? { ...event, gate: { ...event.gate, engine: engineOf(event.gate.container) } } : event;
		case 'plan':
		case 'abort':
			return event;
		default: {
			if (event.engine || !event.container) return event;
			const engine = engineOf(event.container);
			return engine ? { ...event, engine } : event;
		}
	}
}

/** A directory backup says so where its path is shown: its sha256 is of the manifest beside it, not of a file. */
function backupFormatShown(backup: BackupRecord): { format?: string } {
	if (backup.format !== 'directory') return {};
	return { format: `directory format (pg_dump -j ${backup.jobs ?? 1}, ${backup.files ?? "?"} files), manifest` };
}
