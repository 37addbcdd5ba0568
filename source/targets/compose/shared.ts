import type { Scalar } from 'yaml';
import { formatPath, occurrences, type ComposeDoc, type Occurrence, type Segment } from './compose-yaml.js';
import { variablesIn } from './interpolation.js';
import type { Place, SharedUse } from './types.js';

// Who else an edit changes. An anchored scalar is one node however many
// aliases reach it, and a variable in the env file is substituted everywhere
// it is named, so changing either changes every such place. Places Compose
// never reads do not count: extension fields (`x-...`) and values a later
// file overrides (`-f a.yml -f b.yml`: b's services.web.image replaces a's).

export class Uses {
	private readonly cache = new Map<number, Occurrence[]>();
	private readonly keys = new Map<number, Set<string>>();

	constructor(private readonly docs: ComposeDoc[]) {}

	/** The uses of the node the winning image resolves to (its anchor, when it has one). */
	ofNode(index: number, node: Scalar, via: string[]): SharedUse | undefined {
		const hits = this.live(index).filter((occurrence) => occurrence.node === node);
		const name = node.anchor ?? hits.flatMap((hit) => hit.via).at(-1) ?? via.at(-1);
		return this.shared('anchor', name, hits.map((hit) => this.place(index, hit)));
	}

	/** Every value of every file that names the variable. */
	ofVariable(name: string): SharedUse | undefined {
		const places = this.docs.flatMap((_, index) =>
			this.live(index)
				.filter((occurrence) => typeof occurrence.node.value === 'string' && variablesIn(occurrence.node.value).includes(name))
				.map((occurrence) => this.place(index, occurrence)),
		);
		return this.shared('variable', name, places);
	}

	private shared(via: SharedUse['via'], name: string | undefined, places: Place[]): SharedUse | undefined {
		return places.length > 1 ? { via, name: name ?? '?', places } : undefined;
	}

	private place(index: number, occurrence: Occurrence): Place {
		return { file: this.docs[index].path, path: formatPath(occurrence.path) };
	}

	/** The scalars of file `index` that Compose reads: not extensions, not overridden later. */
	private live(index: number): Occurrence[] {
		return this.all(index).filter(
			(occurrence) => !isExtension(occurrence.path) && !this.overridden(index, occurrence.path),
		);
	}

	private all(index: number): Occurrence[] {
		let found = this.cache.get(index);
		if (!found) {
			found = occurrences(this.docs[index]);
			this.cache.set(index, found);
		}
		return found;
	}

	/** Mapping paths only: sequences (ports, environment lists) are merged across files, not replaced. */
	private overridden(index: number, path: Segment[]): boolean {
		if (path.some((segment) => typeof segment === 'number')) return false;
		const key = JSON.stringify(path);
		for (let later = index + 1; later < this.docs.length; later++) {
			let keys = this.keys.get(later);
			if (!keys) {
				keys = new Set(this.all(later).map((occurrence) => JSON.stringify(occurrence.path)));
				this.keys.set(later, keys);
			}
			if (keys.has(key)) return true;
		}
		return false;
	}
}

function isExtension(path: Segment[]): boolean {
	return path.some((segment) => typeof segment === 'string' && segment.startsWith('x-'));
}
