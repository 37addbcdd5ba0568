import type { ContainerRow } from '../core/wizard-backend.js';

// The container list as the select screen shows it: filtered, grouped by engine
// (several --host/--context: one heading each, in the order they were given),
// then by image repository (one upgrade targets one repository) or Compose
// project, sorted so the same engines always list the same way. A row is known
// by its engine and name together: one name may be on two engines.

export interface Preselection {
	containers: string[];
	image?: string;
	labels: string[];
}

export interface ContainerGroup {
	/** The engine its rows are on, by name. */
	engine: string;
	/** The heading: the image repository, `compose project <name>` for a project's services, `swarm service <name> …` for a service's tasks. */
	repository: string;
	rows: ContainerRow[];
}

/** A row's identity in ticks and the cursor: its engine and its name (a name alone may be on two engines). */
export function rowKey(row: Pick<ContainerRow, 'engine' | 'name'>): string {
	return `${row.engine}\n${row.name}`;
}

/**
 * A Compose project's services are one group (they are upgraded through their project), a Swarm
 * service's tasks another (through the engine's rolling update); other containers group by repository.
 */
export function groupOf(row: ContainerRow): string {
	if (row.compose) return `compose project ${row.compose.project}`;
	return row.swarm ? `swarm service ${row.swarm.service} (ticking a task upgrades the service)` : row.repository;
}

/** The engines of the rows, in the order the backend listed them (the order they were given). */
export function enginesOf(rows: ContainerRow[]): string[] {
	return [...new Set(rows.map((row) => row.engine))];
}

export function matchesFilter(row: ContainerRow, filter: string): boolean {
	const needle = filter.trim().toLowerCase();
	if (!needle) return true;
	return [row.name, row.image, row.version ?? '', row.state, row.health ?? '', row.compose?.project ?? '', row.swarm?.service ?? '', row.engine].some((field) => field.toLowerCase().includes(needle));
}

export function groupRows(rows: ContainerRow[], filter = ''): ContainerGroup[] {
	const engines = enginesOf(rows);
	const groups = new Map<string, ContainerGroup>();
	for (const row of rows) {
		if (!matchesFilter(row, filter)) continue;
		const key = `${row.engine}\n${groupOf(row)}`;
		const group = groups.get(key) ?? { engine: row.engine, repository: groupOf(row), rows: [] };
		group.rows.push(row);
		groups.set(key, group);
	}
	// Engines as given (not alphabetically: the run goes engine after engine in that order).
	return [...groups.values()]
		.sort((a, b) => engines.indexOf(a.engine) - engines.indexOf(b.engine) || a.repository.localeCompare(b.repository))
		.map((group) => ({ ...group, rows: group.rows.sort((a, b) => a.name.localeCompare(b.name)) }));
}

/**
 * Ticked at start (row keys): what the backend marked (it alone knows labels),
 * plus the flags it may not have applied: --container names (on every engine,
 * as --yes applies them) and --image.
 */
export function initiallyTicked(rows: ContainerRow[], preselect: Preselection): Set<string> {
	const image = preselect.image;
	return new Set(
		rows
			.filter(
				(row) =>
					row.preselected ||
					preselect.containers.includes(row.name) ||
					(image !== undefined && (row.image === image || row.repository === image || row.image.startsWith(`${image}:`))),
			)
			.map(rowKey),
	);
}

/** The repositories of the ticked rows, for the "one repository at a time" rule. */
export function repositoriesOf(rows: ContainerRow[], ticked: ReadonlySet<string>): string[] {
	return [...new Set(rows.filter((row) => ticked.has(rowKey(row))).map((row) => row.repository))];
}

/** The ticked rows as one selection per engine, in the engines' order (what a cluster runs). */
export function tickedByEngine(rows: ContainerRow[], ticked: ReadonlySet<string>): Array<{ engine: string; names: string[] }> {
	return enginesOf(rows)
		.map((engine) => ({ engine, names: rows.filter((row) => row.engine === engine && ticked.has(rowKey(row))).map((row) => row.name) }))
		.filter((group) => group.names.length > 0);
}
