/**
 * Choosing the runs table's columns: searchable (an experiment may have 1,000 metric keys, so
 * the list is virtualized), with a visibility box and a pin per column.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ExperimentColumns } from "../lib/index.js";
import { ATTRIBUTE_COLUMNS, type ColumnSpec, columnId, columnSpec, naturalCompare } from "../lib/index.js";

type Item =
  | { type: "section"; id: string; label: string; matching: ColumnSpec[] }
  | { type: "column"; id: string; spec: ColumnSpec };

export interface ColumnChooserProps {
  keys: ExperimentColumns;
  /** Visible column ids in order. */
  visible: readonly string[];
  pinned: readonly string[];
  onChange: (next: { cols?: string[] | null; pin?: string[] | null }) => void;
}

function sorted(keys: readonly string[]): string[] {
  return [...keys].sort(naturalCompare);
}

/** How many columns "show matching" adds at once. */
const BULK_LIMIT = 50;

export function ColumnChooser({ keys, visible, pinned, onChange }: ColumnChooserProps) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState("");
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);

  const visibleSet = useMemo(() => new Set(visible), [visible]);
  const pinnedSet = useMemo(() => new Set(pinned), [pinned]);

  const items = useMemo((): Item[] => {
    const needle = q.trim().toLowerCase();
    const match = (c: ColumnSpec) =>
      !needle || c.key.toLowerCase().includes(needle) || c.label.toLowerCase().includes(needle);
    const groups: Array<[string, string, ColumnSpec[]]> = [
      ["attributes", "Attributes", [...ATTRIBUTE_COLUMNS]],
      ["params", "Params", sorted(keys.params).map((k) => columnSpec(columnId("param", k))!)],
      ["metrics", "Metrics", sorted(keys.metrics).map((k) => columnSpec(columnId("metric", k))!)],
      ["tags", "Tags", sorted(keys.tags).map((k) => columnSpec(columnId("tag", k))!)],
    ];
    const out: Item[] = [];
    for (const [id, label, specs] of groups) {
      const m = specs.filter(match);
      if (m.length === 0) continue;
      out.push({ type: "section", id: `section:${id}`, label, matching: m });
      for (const s of m) out.push({ type: "column", id: s.id, spec: s });
    }
    return out;
  }, [keys, q]);

  const listRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => listRef.current,
    estimateSize: (i) => (items[i]?.type === "section" ? 30 : 26),
    getItemKey: (i) => items[i]!.id,
    overscan: 10,
  });

  const setVisible = (id: string, on: boolean) => {
    const cur = [...visible];
    const next = on ? (cur.includes(id) ? cur : [...cur, id]) : cur.filter((c) => c !== id);
    const pin = !on && pinnedSet.has(id) ? pinned.filter((p) => p !== id) : undefined;
    onChange({ cols: next, ...(pin ? { pin } : {}) });
  };
  const setPinned = (id: string, on: boolean) => {
    const pin = on ? [...pinned.filter((p) => p !== id), id] : pinned.filter((p) => p !== id);
    const cols = on && !visibleSet.has(id) ? [...visible, id] : undefined;
    onChange({ pin, ...(cols ? { cols } : {}) });
  };
  const bulk = (specs: ColumnSpec[], on: boolean) => {
    if (on) {
      const add = specs
        .filter((s) => !visibleSet.has(s.id))
        .slice(0, BULK_LIMIT)
        .map((s) => s.id);
      onChange({ cols: [...visible, ...add] });
    } else {
      const drop = new Set(specs.map((s) => s.id));
      onChange({ cols: visible.filter((c) => !drop.has(c)), pin: pinned.filter((p) => !drop.has(p)) });
    }
  };

  const total = ATTRIBUTE_COLUMNS.length + keys.params.length + keys.metrics.length + keys.tags.length;

  return (
    <div className="column-chooser" ref={rootRef} data-testid="column-chooser">
      <button type="button" className="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Columns{" "}
        <span className="muted">
          {visible.length}/{total}
        </span>
      </button>
      {open && (
        <div className="popover column-popover" role="dialog" aria-label="Choose columns">
          <div className="popover-head">
            <input
              // biome-ignore lint/a11y/noAutofocus: the popover opens to be searched
              autoFocus
              className="input input-sm"
              type="search"
              placeholder={`Search ${total} columns…`}
              value={q}
              onChange={(e) => setQ(e.target.value)}
              data-testid="column-search"
            />
            <button
              type="button"
              className="button button-sm"
              onClick={() => onChange({ cols: null, pin: null })}
            >
              Reset
            </button>
          </div>
          <div className="column-list" ref={listRef}>
            <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {virtualizer.getVirtualItems().map((vi) => {
                const item = items[vi.index]!;
                const style = {
                  position: "absolute" as const,
                  top: 0,
                  left: 0,
                  right: 0,
                  height: vi.size,
                  transform: `translateY(${vi.start}px)`,
                };
                if (item.type === "section") {
                  const shown = item.matching.filter((s) => visibleSet.has(s.id)).length;
                  return (
                    <div key={vi.key} className="column-section" style={style}>
                      <span>
                        {item.label}{" "}
                        <span className="muted">
                          {shown}/{item.matching.length}
                        </span>
                      </span>
                      <span className="column-section-actions">
                        <button
                          type="button"
                          className="link-button"
                          onClick={() => bulk(item.matching, true)}
                        >
                          show{item.matching.length - shown > BULK_LIMIT ? ` ${BULK_LIMIT}` : " all"}
                        </button>
                        <button
                          type="button"
                          className="link-button"
                          onClick={() => bulk(item.matching, false)}
                        >
                          hide all
                        </button>
                      </span>
                    </div>
                  );
                }
                const on = visibleSet.has(item.id);
                const pin = pinnedSet.has(item.id);
                return (
                  <div key={vi.key} className="column-item" style={style}>
                    <label title={item.id}>
                      <input
                        type="checkbox"
                        checked={on || pin}
                        onChange={(e) => setVisible(item.id, e.target.checked)}
                      />
                      <span className="column-item-label">{item.spec.label}</span>
                    </label>
                    <button
                      type="button"
                      className={pin ? "pin-button pinned" : "pin-button"}
                      title={pin ? "Unpin" : "Pin to the left"}
                      aria-pressed={pin}
                      onClick={() => setPinned(item.id, !pin)}
                    >
                      {pin ? "pinned" : "pin"}
                    </button>
                  </div>
                );
              })}
            </div>
            {items.length === 0 && <div className="empty small">No column matches “{q}”.</div>}
          </div>
        </div>
      )}
    </div>
  );
}
