import type { ReactNode } from "react";

/** The head of a list page: its title and a filter-by-name box, plus any other toolbar controls. */
export function ListPageHead(props: {
  title: string;
  /** What is listed, for the filter's label ("models", "studies"…). */
  what: string;
  search: string;
  onSearch: (value: string) => void;
  children?: ReactNode;
}) {
  return (
    <div className="page-head">
      <h1>{props.title}</h1>
      <div className="toolbar">
        <input
          className="input"
          type="search"
          placeholder="Filter by name…"
          value={props.search}
          onChange={(e) => props.onSearch(e.target.value)}
          aria-label={`Filter ${props.what} by name`}
        />
        {props.children}
      </div>
    </div>
  );
}
