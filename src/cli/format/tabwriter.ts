// Go's text/tabwriter (as forked by docker/cli, which measures cells with go-runewidth): the
// elastic-tabstops column aligner behind every docker table.
//
// Text is cells terminated by '\t' (or the soft '\v'); '\n' ends a line and '\f' ends a line and
// a block of columns. Tab-terminated cells in adjacent lines form a column, padded to its widest
// cell plus `padding`; the text after a line's last tab is not part of any column. HTML
// filtering and escape sequences are not supported (docker uses neither).

import { displayWidth } from './display-width.js';

export interface TabwriterOptions {
  minwidth: number; // minimal cell width including padding
  tabwidth: number; // width of a tab when padding with tabs
  padding: number; // added to a cell's width
  padchar: string; // ' ' or '\t'
  alignRight?: boolean;
  discardEmptyColumns?: boolean; // columns of only empty, soft-tab-terminated cells vanish
  tabIndent?: boolean; // pad leading empty cells with tabs whatever the padchar
  debug?: boolean; // print '|' between columns
}

/** docker's table writer: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export const DOCKER_TABLE: TabwriterOptions = { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' };

/** The separators only Go's own tabwriter users write: a soft tab, a form feed. */
const SOFT_OR_FORMFEED = /[\v\f]/;

interface Cell {
  text: string;
  width: number;
  htab: boolean; // terminated by '\t' rather than '\v'
}

/** Writes all of text through a tabwriter and flushes it. */
export function alignColumns(text: string, options: TabwriterOptions = DOCKER_TABLE): string {
  return new Writer(options).write(text).flush();
}

class Writer {
  private out = '';
  private lines: Cell[][] = [[]];
  private cell = '';
  private widths: number[] = [];

  constructor(private readonly opts: TabwriterOptions) {}

  write(text: string): this {
    // Split in native code: a CLI command runs this once, in V8's interpreter, where a loop over
    // each of the ~40 KB of `ps` with 500 containers cost milliseconds. Without '\v' and '\f'
    // (docker's tables), a line is cells between '\t's.
    if (!SOFT_OR_FORMFEED.test(text)) {
      const lines = text.split('\n');
      const last = lines.length - 1;
      for (let l = 0; l <= last; l++) {
        const cells = lines[l]!.split('\t');
        const end = cells.length - 1;
        for (let c = 0; c < end; c++) this.addCell(cells[c]!, true);
        if (l === last) this.cell += cells[end]!;
        else this.endLine('\n', this.addCell(cells[end]!, false));
      }
      return this;
    }
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== 9 && code !== 10 && code !== 11 && code !== 12) continue;
      this.cell += text.slice(from, i);
      from = i + 1;
      const ch = text[i]!;
      const ncells = this.terminateCell(ch === '\t');
      if (ch === '\n' || ch === '\f') this.endLine(ch, ncells);
    }
    this.cell += text.slice(from);
    return this;
  }

  /** A line ended ('\n', or '\f' which also ends the block of columns) after `ncells` cells. */
  private endLine(ch: '\n' | '\f' | string, ncells: number): void {
    this.lines.push([]);
    // A line with a single cell cannot affect later columns, so Go flushes there too.
    if (ch === '\f' || ncells === 1) {
      this.flushLines();
      if (ch === '\f' && this.opts.debug) this.out += '---\n';
    }
  }

  flush(): string {
    if (this.cell.length > 0) this.terminateCell(false);
    this.flushLines();
    return this.out;
  }

  private terminateCell(htab: boolean): number {
    const text = this.cell;
    this.cell = '';
    return this.addCell(text, htab);
  }

  /** Ends the current line's next cell (what was written before it of the cell comes first). */
  private addCell(text: string, htab: boolean): number {
    const t = this.cell ? this.cell + text : text;
    this.cell = '';
    const line = this.lines[this.lines.length - 1] as Cell[];
    line.push({ text: t, width: displayWidth(t), htab });
    return line.length;
  }

  private flushLines(): void {
    this.format(0, this.lines.length);
    this.lines = [[]];
    this.widths = [];
  }

  /** Formats lines [line0, line1) given the widths of the columns to the left. */
  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    let start = line0;
    for (let row = line0; row < line1; row++) {
      if (column >= this.cellsOf(row).length - 1) continue;
      // This line has a cell in this column: it begins a block of lines that do.
      this.writeLines(start, row);
      start = row;
      let width = this.opts.minwidth;
      let discardable = true;
      for (; row < line1; row++) {
        const cells = this.cellsOf(row);
        if (column >= cells.length - 1) break;
        const c = cells[column] as Cell;
        width = Math.max(width, c.width + this.opts.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.opts.discardEmptyColumns) width = 0;
      this.widths.push(width);
      this.format(start, row);
      this.widths.pop();
      start = row;
    }
    this.writeLines(start, line1);
  }

  private cellsOf(row: number): Cell[] {
    return this.lines[row] ?? [];
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      let useTabs = this.opts.tabIndent ?? false;
      this.cellsOf(i).forEach((c, j) => {
        if (j > 0 && this.opts.debug) this.out += '|';
        const cellWidth = this.widths[j];
        if (c.text.length === 0) {
          if (cellWidth !== undefined) this.writePadding(c.width, cellWidth, useTabs);
          return;
        }
        useTabs = false;
        if (this.opts.alignRight) {
          if (cellWidth !== undefined) this.writePadding(c.width, cellWidth, false);
          this.out += c.text;
        } else {
          this.out += c.text;
          if (cellWidth !== undefined) this.writePadding(c.width, cellWidth, false);
        }
      });
      // The last buffered line has no newline of its own yet.
      if (i + 1 < this.lines.length) this.out += '\n';
    }
  }

  private writePadding(textWidth: number, cellWidth: number, useTabs: boolean): void {
    if (this.opts.padchar === '\t' || useTabs) {
      const tw = this.opts.tabwidth;
      if (tw === 0) return; // tabs have no width: no padding possible
      const cw = Math.ceil(cellWidth / tw) * tw;
      this.out += '\t'.repeat(Math.ceil((cw - textWidth) / tw));
      return;
    }
    this.out += this.opts.padchar.repeat(Math.max(cellWidth - textWidth, 0));
  }
}
