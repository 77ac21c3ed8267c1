/**
 * The runs table: TanStack Table for the column/row model, TanStack Virtual for the rows (only
 * the rows in view are in the DOM, so 100,000 runs scroll smoothly). Pinned columns stick to the
 * left while the rest scroll horizontally; the header sticks to the top.
 */
import { type Cell, type ColumnDef, tableFeatures, useTable } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { createContext, memo, type ReactNode, useContext, useEffect, useMemo, useRef } from "react";
import type { ColumnSpec, Run, SortState, TreeRow } from "../lib/index.js";
import {
  formatDuration,
  formatNumber,
  formatRelative,
  formatTimestamp,
  paths,
  runDuration,
  shortId,
} from "../lib/index.js";
import { Link } from "../router.js";
import { StatusBadge } from "./StatusBadge.js";

export type RunRow = TreeRow<Run>;

const features = tableFeatures({});
const ROW_HEIGHT = 30;
const SELECT_WIDTH = 58;

interface TableCtx {
  selected: ReadonlySet<string>;
  toggleSelect: (runId: string) => void;
  toggleExpand: (runId: string) => void;
  grouping: boolean;
  childCount: (runId: string) => number | null;
  now: number;
}

const Ctx = createContext<TableCtx | null>(null);

function useTableCtx(): TableCtx {
  return useContext(Ctx)!;
}

function SelectCell({ row }: { row: RunRow }) {
  const ctx = useTableCtx();
  if (row.kind !== "run") return null;
  const id = row.run.info.runId;
  const canExpand = ctx.grouping && row.hasChildren !== false;
  return (
    <span className="select-cell">
      <input
        type="checkbox"
        aria-label={`Select ${row.run.info.runName || id}`}
        checked={ctx.selected.has(id)}
        onChange={() => ctx.toggleSelect(id)}
      />
      {canExpand ? (
        <button
          type="button"
          className="expander"
          style={{ marginLeft: row.depth * 10 }}
          aria-expanded={row.expanded}
          aria-label={row.expanded ? "Hide child runs" : "Show child runs"}
          title={row.hasChildren === null ? "Child runs (not yet known)" : "Child runs"}
          onClick={() => ctx.toggleExpand(id)}
        >
          {row.expanded ? "▾" : "▸"}
        </button>
      ) : (
        <span className="expander-space" />
      )}
    </span>
  );
}

function NameCell({ row }: { row: RunRow }) {
  const ctx = useTableCtx();
  if (row.kind !== "run") return null;
  const info = row.run.info;
  const n = ctx.childCount(info.runId);
  return (
    <span className="name-cell" style={{ paddingLeft: row.depth * 14 }}>
      {row.depth > 0 && <span className="child-mark">↳</span>}
      <Link href={paths.run(info.runId)} className="run-link" title={info.runName || info.runId}>
        {info.runName || shortId(info.runId)}
      </Link>
      {n !== null && n > 0 && (
        <span className="child-count" title={`${n} child run${n === 1 ? "" : "s"}`}>
          {n}
        </span>
      )}
    </span>
  );
}

function renderValue(spec: ColumnSpec, run: Run, now: number): ReactNode {
  const i = run.info;
  switch (spec.kind) {
    case "metric": {
      const v = run.data.metrics[spec.key];
      return v === undefined ? <span className="missing">—</span> : formatNumber(v);
    }
    case "param":
    case "tag": {
      const v = spec.kind === "param" ? run.data.params[spec.key] : run.data.tags[spec.key];
      return v === undefined ? <span className="missing">—</span> : <span title={v}>{v}</span>;
    }
    case "attribute":
      switch (spec.key) {
        case "status":
          return <StatusBadge info={i} />;
        case "start_time":
          return <span title={formatRelative(i.startTime, now)}>{formatTimestamp(i.startTime)}</span>;
        case "end_time":
          return i.endTime === null ? <span className="missing">—</span> : formatTimestamp(i.endTime);
        case "duration":
          return formatDuration(runDuration(i.startTime, i.endTime, i.status === "RUNNING", now)) || "—";
        case "user_id":
          return i.userId;
        case "run_id":
          return (
            <span className="mono" title={i.runId}>
              {shortId(i.runId, 12)}
            </span>
          );
        default:
          return null;
      }
  }
}

function ValueCell({ row, spec }: { row: RunRow; spec: ColumnSpec }) {
  const ctx = useTableCtx();
  if (row.kind !== "run") return null;
  return <>{renderValue(spec, row.run, ctx.now)}</>;
}

function buildColumns(specs: readonly ColumnSpec[]): Array<ColumnDef<typeof features, RunRow>> {
  return [
    { id: "__select", header: "", cell: ({ row }) => <SelectCell row={row.original} /> },
    ...specs.map(
      (spec): ColumnDef<typeof features, RunRow> => ({
        id: spec.id,
        header: spec.label,
        cell: ({ row }) =>
          spec.id === "attributes.run_name" ? (
            <NameCell row={row.original} />
          ) : (
            <ValueCell row={row.original} spec={spec} />
          ),
      }),
    ),
  ];
}

export interface RunsTableProps {
  rows: readonly RunRow[];
  columns: readonly ColumnSpec[];
  pinnedCount: number;
  sort: SortState | null;
  onSort: (columnId: string) => void;
  selected: ReadonlySet<string>;
  onToggleSelect: (runId: string) => void;
  onClearSelection: () => void;
  onToggleExpand: (runId: string) => void;
  grouping: boolean;
  childCount: (runId: string) => number | null;
  onEndReached: () => void;
  /** Scrolls back to the top when this changes (new filter or sort). */
  resetKey: string;
  footer?: ReactNode;
  dimmed?: boolean;
}

const NOTE_TEXT = {
  loading: "Loading child runs…",
  empty: "No child runs.",
  more: "More child runs than shown here: open the parent run or filter on attributes.parent_run_id.",
  error: "Cannot load the child runs",
};

interface Layout {
  widths: number[];
  lefts: Array<number | null>;
  total: number;
  specs: Array<ColumnSpec | null>;
}

const RowView = memo(function RowView({
  row,
  cells,
  layout,
  top,
  selected,
  pinnedLast,
}: {
  row: RunRow;
  cells: Array<Cell<typeof features, RunRow, unknown>>;
  layout: Layout;
  top: number;
  selected: boolean;
  pinnedLast: number;
}) {
  if (row.kind === "note") {
    return (
      <tr className="tr note-row" style={{ transform: `translateY(${top}px)`, width: layout.total }}>
        <td
          className="td note-cell"
          colSpan={layout.widths.length}
          style={{ paddingLeft: SELECT_WIDTH + row.depth * 14 }}
        >
          {row.note === "loading" && <span className="spinner-dot" aria-hidden="true" />}
          {NOTE_TEXT[row.note]}
          {row.message ? `: ${row.message}` : ""}
        </td>
      </tr>
    );
  }
  return (
    <tr
      className={`tr${selected ? " selected" : ""}${row.depth > 0 ? " child-row" : ""}`}
      data-testid="runs-row"
      data-run-id={row.run.info.runId}
      style={{ transform: `translateY(${top}px)`, width: layout.total }}
    >
      {cells.map((cell, i) => {
        const left = layout.lefts[i];
        const spec = layout.specs[i];
        const cls = [
          "td",
          left !== null && left !== undefined ? "pinned" : "",
          i === pinnedLast ? "pinned-last" : "",
          spec?.kind === "metric" ? "num" : "",
        ].join(" ");
        return (
          <td key={cell.id} className={cls} style={{ width: layout.widths[i], left: left ?? undefined }}>
            <CellRender cell={cell} />
          </td>
        );
      })}
    </tr>
  );
});

function CellRender({ cell }: { cell: Cell<typeof features, RunRow, unknown> }) {
  const def = cell.column.columnDef.cell;
  return typeof def === "function" ? def(cell.getContext()) : (def ?? null);
}

export function RunsTable(props: RunsTableProps) {
  const { rows, columns: specs, pinnedCount, sort, onSort } = props;
  const columns = useMemo(() => buildColumns(specs), [specs]);
  const data = rows as RunRow[];
  const table = useTable({ features, columns, data, getRowId: (r) => r.id });
  const tableRows = table.getRowModel().rows;

  const layout = useMemo((): Layout => {
    const widths = [SELECT_WIDTH, ...specs.map((s) => s.width)];
    const lefts: Array<number | null> = [];
    let acc = 0;
    for (let i = 0; i < widths.length; i++) {
      if (i <= pinnedCount) {
        lefts.push(acc);
        acc += widths[i]!;
      } else lefts.push(null);
    }
    return { widths, lefts, total: widths.reduce((a, b) => a + b, 0), specs: [null, ...specs] };
  }, [specs, pinnedCount]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => tableRows[i]?.id ?? i,
    overscan: 15,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll to the top whenever the result set changes
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [props.resetKey]);

  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1]!.index : -1;
  const { onEndReached } = props;
  useEffect(() => {
    if (tableRows.length > 0 && lastIndex >= tableRows.length - 30) onEndReached();
  }, [lastIndex, tableRows.length, onEndReached]);

  const ctx = useMemo(
    (): TableCtx => ({
      selected: props.selected,
      toggleSelect: props.onToggleSelect,
      toggleExpand: props.onToggleExpand,
      grouping: props.grouping,
      childCount: props.childCount,
      now: Date.now(),
    }),
    [props.selected, props.onToggleSelect, props.onToggleExpand, props.grouping, props.childCount],
  );

  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const pinnedLast = pinnedCount;

  return (
    <Ctx.Provider value={ctx}>
      <div className={`runs-table${props.dimmed ? " dimmed" : ""}`} data-testid="runs-table" ref={scrollRef}>
        <table className="grid-table" aria-rowcount={rows.length} style={{ width: layout.total }}>
          <thead className="thead">
            <tr className="tr th-row">
              {headers.map((h, i) => {
                const left = layout.lefts[i];
                const spec = layout.specs[i] ?? null;
                const pinnedCls = left !== null && left !== undefined ? " pinned" : "";
                const lastCls = i === pinnedLast ? " pinned-last" : "";
                const style = { width: layout.widths[i], left: left ?? undefined };
                if (!spec) {
                  return (
                    <th key={h.id} className={`th${pinnedCls}${lastCls}`} style={style}>
                      <input
                        type="checkbox"
                        aria-label="Clear the selection"
                        title={
                          props.selected.size > 0 ? "Clear the selection" : "Select runs with the boxes below"
                        }
                        checked={props.selected.size > 0}
                        disabled={props.selected.size === 0}
                        onChange={props.onClearSelection}
                      />
                    </th>
                  );
                }
                const sorted = sort?.column === spec.id ? (sort.desc ? "descending" : "ascending") : "none";
                const kindMark =
                  spec.kind === "attribute" ? null : (
                    <span className={`kind kind-${spec.kind}`}>{spec.kind[0]}</span>
                  );
                return (
                  <th
                    key={h.id}
                    aria-sort={sorted}
                    className={`th${pinnedCls}${lastCls}${spec.kind === "metric" ? " num" : ""}`}
                    style={style}
                    title={`${spec.id}${spec.sortable ? " — click to sort" : ""}`}
                  >
                    {spec.sortable ? (
                      <button
                        type="button"
                        className="th-button"
                        data-testid={`sort-${spec.id}`}
                        onClick={() => onSort(spec.id)}
                      >
                        {kindMark}
                        <span className="th-label">{spec.label}</span>
                        {sorted !== "none" && (
                          <span className="sort-arrow">{sorted === "descending" ? "▼" : "▲"}</span>
                        )}
                      </button>
                    ) : (
                      <span className="th-static">
                        {kindMark}
                        <span className="th-label">{spec.label}</span>
                      </span>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="tbody" style={{ height: virtualizer.getTotalSize(), width: layout.total }}>
            {items.map((vi) => {
              const r = tableRows[vi.index];
              if (!r) return null;
              const row = r.original;
              return (
                <RowView
                  key={r.id}
                  row={row}
                  cells={r.getAllCells()}
                  layout={layout}
                  top={vi.start}
                  selected={row.kind === "run" && props.selected.has(row.run.info.runId)}
                  pinnedLast={pinnedLast}
                />
              );
            })}
          </tbody>
        </table>
        {props.footer}
      </div>
    </Ctx.Provider>
  );
}
