// The parse tree of a Go text/template (text/template/parse, node.go), and the textual form of
// each node that Go puts in execution errors: `executing "" at <.Nope>`.

export interface ListNode {
  kind: 'list';
  pos: number;
  nodes: Node[];
}

export interface TextNode {
  kind: 'text';
  pos: number;
  text: string;
}

export interface ActionNode {
  kind: 'action';
  pos: number;
  pipe: PipeNode;
}

export interface BranchNode {
  kind: 'if' | 'range' | 'with';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

export interface LoopControlNode {
  kind: 'break' | 'continue';
  pos: number;
}

export interface TemplateCallNode {
  kind: 'template';
  pos: number;
  name: string;
  pipe?: PipeNode;
}

export type Node = ListNode | TextNode | ActionNode | BranchNode | LoopControlNode | TemplateCallNode;

export interface PipeNode {
  kind: 'pipe';
  pos: number;
  isAssign: boolean; // $x = ... rather than $x := ...
  decl: VariableNode[];
  cmds: CommandNode[];
}

export interface CommandNode {
  kind: 'command';
  pos: number;
  args: ArgNode[];
}

export interface FieldNode {
  kind: 'field';
  pos: number;
  ident: string[]; // .A.B → ["A", "B"]
}

export interface VariableNode {
  kind: 'variable';
  pos: number;
  ident: string[]; // $x.A → ["$x", "A"]
}

export interface ChainNode {
  kind: 'chain';
  pos: number;
  node: ArgNode; // (pipeline).A.B
  field: string[];
}

export interface IdentifierNode {
  kind: 'identifier';
  pos: number;
  ident: string; // a function name
}

export interface DotNode {
  kind: 'dot';
  pos: number;
}

export interface NilNode {
  kind: 'nil';
  pos: number;
}

export interface BoolNode {
  kind: 'bool';
  pos: number;
  value: boolean;
}

export interface NumberNode {
  kind: 'number';
  pos: number;
  text: string;
  /** Go's ideal constant: an int when the literal is integral and has no '.', 'e' or 'p'. */
  value: number;
  isInt: boolean;
}

export interface StringNode {
  kind: 'string';
  pos: number;
  quoted: string; // as written, quotes included
  text: string;
}

export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type AnyNode = Node | ArgNode | CommandNode;

/** Go's Node.String(): the node written back as template source. */
export function nodeString(n: AnyNode): string {
  switch (n.kind) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return JSON.stringify(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const elsePart = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}${elsePart}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.kind}}}`;
    case 'template':
      return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((i) => '.' + i).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain': {
      const base = n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.field.map((f) => '.' + f).join('');
    }
    case 'identifier':
      return n.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
  }
}
