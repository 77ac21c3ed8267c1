/**
 * The one filter and order-by parser of every search — runs, experiments, registered models and
 * model versions, on every surface (SDK, CLI, native and MLflow REST, UI): a hand-written lexer
 * and a recursive-descent parser for MLflow's filter grammar extended with OR and parentheses.
 * What an identifier may name differs by subject and comes from its Vocabulary
 * (vocabularies.ts). Pure; bad input throws SextantError with `details: { position, token }`
 * pointing at the offending token.
 *
 *   expr       := and ("OR" and)*
 *   and        := primary ("AND" primary)*
 *   primary    := "(" expr ")" | comparison
 *   comparison := identifier comparator [value | "(" value ("," value)* ")"]
 *   identifier := prefix "." key | attribute-key
 *   order-by   := identifier ["ASC" | "DESC"]
 */
import { type ErrorCode, SextantError } from "../../core/index.js";
import type { Comparator, Comparison, EntityType, Expr, Identifier, OrderBy } from "./ast.js";
import { RUN_FILTER, type Rule, type Vocabulary } from "./vocabularies.js";

/** Symbolic comparators; `<>` is another spelling of `!=`. */
const SYMBOL_OPS: ReadonlyMap<string, Comparator> = new Map([
  ["=", "="],
  ["!=", "!="],
  ["<>", "!="],
  ["<", "<"],
  ["<=", "<="],
  [">", ">"],
  [">=", ">="],
]);

const EXPECTED_COMPARATOR =
  "expected a comparator (=, !=, <>, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL)";

const WORD_CHAR = /^[A-Za-z0-9_.\-/:]$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A number up to its exponent marker, so a following `+` (as in `1e+3`) belongs to the word. */
const MANTISSA_AND_E = /^-?(?:\d+\.?\d*|\.\d+)[eE]$/;
const INFINITIES: ReadonlyMap<string, number> = new Map([
  ["inf", Infinity],
  ["infinity", Infinity],
  ["-inf", -Infinity],
  ["-infinity", -Infinity],
]);

/**
 * Parses a filter over `vocabulary`'s subject (runs by default); null when it is empty or only
 * whitespace. @throws SextantError INVALID_FILTER
 */
export function parseFilter(text: string, vocabulary: Vocabulary = RUN_FILTER): Expr | null {
  const parser = new Parser(text, "INVALID_FILTER", vocabulary);
  if (parser.peek().kind === "eof") return null;
  const expr = parser.parseOr();
  const tail = parser.peek();
  if (tail.kind === ")") parser.fail(tail, "unbalanced ')' with no matching '('");
  if (tail.kind !== "eof") parser.fail(tail, "expected AND, OR or end of input");
  return expr;
}

/**
 * Parses one order-by clause such as `metrics.f1 DESC`; ascending by default.
 * @throws SextantError INVALID_ORDER_BY
 */
export function parseOrderBy(text: string, vocabulary: Vocabulary = RUN_FILTER): OrderBy {
  const parser = new Parser(text, "INVALID_ORDER_BY", vocabulary);
  const ident = parser.parseIdentifier();
  const dir = parser.next();
  if (dir.kind === "eof") return { ident, ascending: true };
  if (!isKeyword(dir, "ASC") && !isKeyword(dir, "DESC")) {
    parser.fail(dir, "expected ASC, DESC or end of input");
  }
  const tail = parser.peek();
  if (tail.kind !== "eof") parser.fail(tail, "expected end of input after the sort direction");
  return { ident, ascending: isKeyword(dir, "ASC") };
}

export type TokenKind = "word" | "op" | "string" | "dquoted" | "backtick" | "(" | ")" | "," | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** 0-based offset of the token's first character. */
  readonly pos: number;
  /** The token's source text; "end of input" for eof. */
  readonly raw: string;
  /** Quoted tokens: the text between the quotes, unescaped. Others: same as raw. */
  readonly value: string;
}

/**
 * The filter lexer on its own, for grammars that share its tokens (the MLflow experiment filter)
 * and for callers that rewrite filters. Returns every token up to, not including, end of input.
 * @throws SextantError INVALID_FILTER on an unterminated string or a character no token starts with
 */
export function tokenizeFilter(text: string): Token[] {
  const parser = new Parser(text, "INVALID_FILTER", RUN_FILTER);
  const tokens: Token[] = [];
  for (let tok = parser.next(); tok.kind !== "eof"; tok = parser.next()) tokens.push(tok);
  return tokens;
}

function isKeyword(tok: Token, keyword: string): boolean {
  return tok.kind === "word" && tok.raw.toUpperCase() === keyword;
}

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v";
}

/** Joins terms under one and/or node, flattening nested nodes of the same kind; one term stays bare. */
function combine(kind: "and" | "or", terms: Expr[]): Expr {
  if (terms.length === 1) return terms[0]!;
  return { kind, terms: terms.flatMap((t) => (t.kind === kind ? t.terms : [t])) };
}

/** Lexer and parser in one: tokens are scanned on demand with one token of lookahead. */
class Parser {
  private readonly text: string;
  private readonly code: ErrorCode;
  private readonly vocab: Vocabulary;
  private offset = 0;
  private ahead: Token | undefined;

  constructor(text: string, code: ErrorCode, vocab: Vocabulary) {
    this.text = text;
    this.code = code;
    this.vocab = vocab;
  }

  peek(): Token {
    this.ahead ??= this.scan();
    return this.ahead;
  }

  next(): Token {
    const tok = this.peek();
    this.ahead = undefined;
    return tok;
  }

  fail(tok: Token, message: string): never {
    const near =
      tok.kind === "eof" ? "end of input" : `'${tok.raw.length > 40 ? `${tok.raw.slice(0, 40)}…` : tok.raw}'`;
    const label = this.code === "INVALID_ORDER_BY" ? "order_by" : "filter";
    throw new SextantError(this.code, `invalid ${label} at position ${tok.pos} near ${near}: ${message}`, {
      position: tok.pos,
      token: tok.raw,
    });
  }

  parseOr(): Expr {
    const terms = [this.parseAnd()];
    while (isKeyword(this.peek(), "OR")) {
      this.next();
      terms.push(this.parseAnd());
    }
    return combine("or", terms);
  }

  private parseAnd(): Expr {
    const terms = [this.parsePrimary()];
    while (isKeyword(this.peek(), "AND")) {
      this.next();
      terms.push(this.parsePrimary());
    }
    return combine("and", terms);
  }

  private parsePrimary(): Expr {
    const open = this.peek();
    if (open.kind !== "(") return this.parseComparison();
    this.next();
    const expr = this.parseOr();
    const close = this.next();
    if (close.kind !== ")") this.fail(close, `expected ')' to close the '(' at position ${open.pos}`);
    return expr;
  }

  private parseComparison(): Comparison {
    const ident = this.parseIdentifier();
    const [op, opTok] = this.parseComparator();
    const rule = this.vocab.ruleFor(ident);
    if (!rule.ops.includes(op)) {
      this.fail(opTok, `${rule.what} comparisons allow only ${rule.ops.join(", ")}`);
    }
    let value: Comparison["value"];
    if (op === "IS NULL" || op === "IS NOT NULL") value = null;
    else if (op === "IN" || op === "NOT IN") value = this.parseList(rule);
    else value = this.parseValue(rule);
    return { kind: "cmp", ident, op, value, pos: ident.pos };
  }

  parseIdentifier(): Identifier {
    const tok = this.next();
    if (tok.kind !== "word" || isKeyword(tok, "AND") || isKeyword(tok, "OR")) {
      this.fail(tok, `expected an identifier such as ${this.vocab.examples}`);
    }
    const dot = tok.raw.indexOf(".");
    if (dot === -1) return { type: "attribute", key: this.attributeKey(tok.raw, tok), pos: tok.pos };

    const prefix = tok.raw.slice(0, dot);
    const type: EntityType | undefined = this.vocab.prefixes.get(prefix.toLowerCase());
    if (type === undefined) {
      const known = [...new Set(this.vocab.prefixes.values())].map((t) => this.vocab.prefixOf(t));
      this.fail(tok, `unknown prefix '${prefix}'; ${this.vocab.subject} filters take ${known.join(", ")}`);
    }
    let key = tok.raw.slice(dot + 1);
    let end = tok.pos + tok.raw.length;
    if (key === "") {
      // `metrics.` directly followed by a quoted key: metrics.`my metric` or metrics."my metric".
      const quoted = this.peek();
      if ((quoted.kind !== "backtick" && quoted.kind !== "dquoted") || quoted.pos !== end) {
        this.fail(quoted, `expected a key right after '${tok.raw}'`);
      }
      this.next();
      if (quoted.value === "") this.fail(quoted, "a quoted key must not be empty");
      key = quoted.value;
      end = quoted.pos + quoted.raw.length;
    }
    const whole: Token = { kind: "word", pos: tok.pos, raw: this.text.slice(tok.pos, end), value: key };
    if (type === "attribute") key = this.attributeKey(key, whole);
    const keys = this.vocab.datasetKeys;
    if (type === "dataset" && !keys.includes(key)) {
      this.fail(whole, `unknown dataset key '${key}'; valid keys are ${keys.join(", ")}`);
    }
    return { type, key, pos: tok.pos };
  }

  /** Canonical attribute key for `key`, resolving aliases. */
  private attributeKey(key: string, tok: Token): string {
    const v = this.vocab;
    const alias = v.attributeAliases.get(key);
    if (alias !== undefined) return alias;
    if (Object.hasOwn(v.attributes, key)) return key;
    const valid = Object.keys(v.attributes).join(", ");
    const aliases = [...v.attributeAliases].map(([a, k]) => `, ${a} (= ${k})`).join("");
    return this.fail(tok, `unknown attribute '${key}'; valid attributes are ${valid}${aliases}`);
  }

  /** The comparator and its first token (which errors about it point at). */
  private parseComparator(): [Comparator, Token] {
    const tok = this.next();
    if (tok.kind === "op") {
      const op = SYMBOL_OPS.get(tok.raw);
      if (op !== undefined) return [op, tok];
    } else if (tok.kind === "word") {
      const word = tok.raw.toUpperCase();
      if (word === "LIKE" || word === "ILIKE" || word === "IN") return [word, tok];
      if (word === "NOT") {
        this.expectKeyword("IN", "expected IN after NOT");
        return ["NOT IN", tok];
      }
      if (word === "IS") {
        if (!isKeyword(this.peek(), "NOT")) {
          this.expectKeyword("NULL", "expected NULL or NOT NULL after IS");
          return ["IS NULL", tok];
        }
        this.next();
        this.expectKeyword("NULL", "expected NULL after IS NOT");
        return ["IS NOT NULL", tok];
      }
    }
    return this.fail(tok, EXPECTED_COMPARATOR);
  }

  private expectKeyword(keyword: string, message: string): void {
    const tok = this.next();
    if (!isKeyword(tok, keyword)) this.fail(tok, message);
  }

  private parseList(rule: Rule): Array<string | number> {
    const open = this.next();
    if (open.kind !== "(") this.fail(open, "expected '(' to start the IN list, e.g. IN ('a', 'b')");
    if (this.peek().kind === ")") this.fail(this.peek(), "an IN list must not be empty");
    const items: Array<string | number> = [];
    for (;;) {
      items.push(this.parseValue(rule));
      const sep = this.next();
      if (sep.kind === ")") return items;
      if (sep.kind !== ",") this.fail(sep, "expected ',' or ')' in the IN list");
    }
  }

  /** One literal, checked against the type the identifier compares as. */
  private parseValue(rule: Rule): string | number {
    const tok = this.next();
    const expected =
      rule.value === "number" ? "expected a number" : "expected a quoted string such as 'value'";
    if (tok.kind === "string" || tok.kind === "dquoted") {
      if (rule.value === "number") {
        this.fail(tok, `${rule.what} values are numbers; write the number unquoted`);
      }
      return tok.value;
    }
    if (tok.kind !== "word") return this.fail(tok, expected);
    const lower = tok.raw.toLowerCase();
    const number = NUMBER.test(tok.raw) ? Number(tok.raw) : INFINITIES.get(lower);
    if (number === undefined) {
      if (lower === "nan" || lower === "-nan") this.fail(tok, "NaN is not a valid value");
      return this.fail(tok, expected);
    }
    if (rule.value === "string") {
      this.fail(tok, `${rule.what} values are strings; quote the value, e.g. '${tok.raw}'`);
    }
    return number;
  }

  // ---- lexer ----

  private scan(): Token {
    const text = this.text;
    while (this.offset < text.length && isSpace(text[this.offset]!)) this.offset++;
    const start = this.offset;
    const ch = text[start];
    if (ch === undefined) return { kind: "eof", pos: text.length, raw: "end of input", value: "" };
    if (ch === "(" || ch === ")" || ch === ",") return this.token(ch, start, start + 1);
    if (ch === "'" || ch === '"' || ch === "`") return this.scanQuoted(ch, start);

    let end = start;
    if ("=!<>".includes(ch)) {
      while (end < text.length && "=!<>".includes(text[end]!)) end++;
      return this.token("op", start, end);
    }
    while (end < text.length) {
      const c = text[end]!;
      if (!WORD_CHAR.test(c) && !(c === "+" && MANTISSA_AND_E.test(text.slice(start, end)))) break;
      end++;
    }
    if (end === start) this.fail(this.token("word", start, start + 1), "unexpected character");
    return this.token("word", start, end);
  }

  private token(kind: TokenKind, start: number, end: number): Token {
    const raw = this.text.slice(start, end);
    this.offset = end;
    return { kind, pos: start, raw, value: raw };
  }

  /**
   * A quoted string or key. Inside, a doubled quote or a backslash before the quote stands for the
   * quote; any other backslash pair is kept verbatim (so LIKE escapes such as `\%` survive).
   */
  private scanQuoted(quote: string, start: number): Token {
    const text = this.text;
    let value = "";
    let i = start + 1;
    while (i < text.length) {
      const c = text[i]!;
      const following = text[i + 1];
      if (c === "\\" && following !== undefined) {
        value += following === quote ? quote : c + following;
        i += 2;
      } else if (c === quote && following === quote) {
        value += quote;
        i += 2;
      } else if (c === quote) {
        const kind = quote === "'" ? "string" : quote === '"' ? "dquoted" : "backtick";
        return { ...this.token(kind, start, i + 1), value };
      } else {
        value += c;
        i++;
      }
    }
    const what = quote === "`" ? "backtick-quoted key" : "string";
    return this.fail(
      { kind: "string", pos: start, raw: text.slice(start), value: "" },
      `unterminated ${what}: no closing ${quote}`,
    );
  }
}
