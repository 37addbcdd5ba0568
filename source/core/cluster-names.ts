// A cluster over several engines is most often the same container name on
// every host (`quay` on node-a, node-b, node-c behind a load balancer). Events,
// the journal, timings and summaries need one identity per unit of a run, so
// each unit gets a label: its bare name when the name is unique in the run,
// `<name> on <engine>` when the name repeats on another engine. Docker names
// never hold a space, so a label that says its engine cannot be a container's
// name. Docker itself is always asked by the real name (Unit.name) on the
// unit's engine. Pure: the screens import it without pulling in an engine client.

/** The label of a unit (or journal record): the bare name until labelUnits says otherwise. */
export function unitLabel(unit: { name: string; label?: string }): string {
	return unit.label ?? unit.name;
}

/** `<name> on <engine>`: the one form a repeated name takes everywhere (events, journal keys, summaries). */
export function qualifiedLabel(name: string, engine: string): string {
	return `${name} on ${engine}`;
}

/** The names that occur on more than one engine among `units`. */
export function repeatedNames(units: ReadonlyArray<{ name: string; engine?: string }>): Set<string> {
	const enginesOf = new Map<string, Set<string>>();
	for (const { name, engine } of units) enginesOf.set(name, (enginesOf.get(name) ?? new Set()).add(engine ?? ''));
	return new Set([...enginesOf].filter(([, engines]) => engines.size > 1).map(([name]) => name));
}

/** A name's label in a run whose repeated names are `repeated` (repeatedNames): qualified only when it repeats. */
export function labelFor(name: string, engine: string, repeated: ReadonlySet<string>): string {
	return repeated.has(name) ? qualifiedLabel(name, engine) : name;
}

/** How a summary names a unit: `container` is its label, `name` its container's own name when the label says its engine. */
export function summaryNames(unit: { name: string; label?: string }): { container: string; name?: string } {
	const label = unitLabel(unit);
	return label === unit.name ? { container: label } : { container: label, name: unit.name };
}

/** The label as the journal keeps it (unit records, the plan snapshot): only when it is not the bare name. */
export function labelField(unit: { name: string; label?: string }): { label?: string } {
	const label = unitLabel(unit);
	return label === unit.name ? {} : { label };
}

/**
 * Gives each unit its label and, when its name repeats, a journal key that
 * says its engine: `<name> on <engine>@<tag>`. A unit whose name is unique
 * keeps its key (`<name>@<tag>`), so a one-engine run journals as it always
 * did. In place (the executor compares units by identity); idempotent.
 */
export function labelUnits<U extends { name: string; engine: string; key: string; label?: string }>(units: U[]): U[] {
	const repeated = repeatedNames(units);
	for (const unit of units) {
		unit.label = labelFor(unit.name, unit.engine, repeated);
		if (repeated.has(unit.name)) unit.key = `${unit.label}@${unit.key.slice(unit.key.lastIndexOf('@') + 1)}`;
	}
	return units;
}

/**
 * How a line names a unit: in a run over several engines every line says the
 * engine, and a label that already says it is not said twice.
 */
export function shownOn(label: string, engine: string | undefined, several: boolean): string {
	if (!several || !engine || label.endsWith(` on ${engine}`)) return label;
	return `${label} on ${engine}`;
}
