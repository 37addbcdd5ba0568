// The data locateImage returns and rewriteImage consumes. Plain data (no YAML
// nodes, no functions) so the driver can keep it in a plan, show it in
// --dry-run and journal it. Importing this module never loads `yaml`.

export interface ComposeFileInput {
	path: string;
	text: string;
}

export interface EnvFileInput {
	/** Where the env file is (the project's `.env`, or the recorded `--env-file`), even when it does not exist. */
	path: string;
	/** Its text; absent when there is no such file. */
	text?: string;
}

export interface LocateInput {
	/** The compose files in `-f` order (as `com.docker.compose.project.config_files` records them). */
	files: ComposeFileInput[];
	service: string;
	envFile: EnvFileInput;
}

/**
 * [start, end) as string indices into the file's text (UTF-16 code units,
 * what `yaml` node ranges are). They equal byte offsets while the text before
 * them is ASCII; slice the text, never a Buffer, with them.
 */
export type Range = [start: number, end: number];

/** A place in a compose file whose value the edit changes, e.g. `services.worker.image`. */
export interface Place {
	file: string;
	path: string;
}

/** The edited value is used by more than this service's image: the caller refuses or warns. */
export interface SharedUse {
	via: 'anchor' | 'variable';
	/** The anchor or variable name. */
	name: string;
	/** Every place the edit changes, this service's image included. */
	places: Place[];
}

/**
 * How rewriteImage writes the new tag at `range`:
 * - 'tag': replace the tag text at `range` (an empty range when untagged: `:<tag>` is added);
 * - 'value': replace the whole (empty) env value at `range` with the variable's new value;
 * - 'line': append `NAME=<value>` to the env file (`range` is its end).
 */
export type WriteMode = 'tag' | 'value' | 'line';

interface LocatedCommon {
	service: string;
	/** The full image reference Compose would use, to compare with what the container runs. */
	resolved: string;
	/** The tag of `resolved`; undefined when it has none (Compose pulls `latest`). */
	tag: string | undefined;
	/** `sha256:...` when the reference is pinned by digest (rewriteImage refuses it). */
	digest: string | undefined;
	/** The `image:` scalar that wins, as written (`template`) and where. */
	declared: { file: string; range: Range; template: string };
	shared?: SharedUse;
	/** The file to edit (`file`, `range` and `write` say where and how). */
	file: string;
	range: Range;
	write: WriteMode;
	/** The text of `file` that `range` indexes; undefined for an env file that does not exist yet. */
	fileText: string | undefined;
}

/** The tag is written in a compose file. */
export interface LiteralImage extends LocatedCommon {
	kind: 'literal';
	/** The text at `range`: the tag, '' when untagged. */
	value: string;
}

/** The tag comes from a variable: its value in the env file, or its default. */
export interface VariableImage extends LocatedCommon {
	kind: 'variable';
	name: string;
	in: 'env-file' | 'default';
	/** The variable's value as Compose substitutes it. */
	value: string;
	/** Where the tag sits inside `value` (empty at the end of the name when untagged). */
	tagRange: Range;
}

export type LocatedImage = LiteralImage | VariableImage;

/** One file rewriteImage changes; `before` is undefined for a file it creates. */
export interface FileEdit {
	path: string;
	before: string | undefined;
	after: string;
}
