/**
 * One write path (ARCHITECTURE.md): outside the store adapters, `StoreWriter.write` has a single caller, the kernel's
 * write path, and only the kernel opens store transactions (the sync's lease fence only passes the kernel's
 * through). Checked on the resolved calls of every module of src/, with the TypeScript compiler's type checker.
 */
import path from 'node:path';
import ts from 'typescript';
import { SRC, sourceFiles } from './imports';

const STORE_PORT = path.join(SRC, 'store', 'store.ts');

/** `file:line` of every call, outside src/store, of the port method `owner.method`. */
function callersOf(program: ts.Program, owner: string, method: string): string[] {
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const file of sourceFiles()) {
    if (file.startsWith(path.join(SRC, 'store') + path.sep)) continue;
    const source = program.getSourceFile(file)!;
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === method) {
        const decl = checker.getResolvedSignature(node)?.getDeclaration();
        const parent = decl?.parent;
        if (decl && decl.getSourceFile().fileName === STORE_PORT && parent && ts.isInterfaceDeclaration(parent) && parent.name.text === owner) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${path.relative(SRC, file)}:${line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

let program: ts.Program;
beforeAll(() => {
  const configFile = ts.readConfigFile(path.join(SRC, '..', 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, path.join(SRC, '..'));
  program = ts.createProgram({ rootNames: sourceFiles(), options: parsed.options });
});

test('StoreWriter.write is called by the kernel write path alone', () => {
  const callers = callersOf(program, 'StoreWriter', 'write');
  expect(callers.map((c) => c.split(':')[0])).toEqual(['kernel/write-path.ts']);
});

test('store transactions are opened by the kernel (and passed through by the sync lease fence) only', () => {
  const files = [...new Set(callersOf(program, 'ResourceStore', 'transaction').map((c) => c.split(':')[0]))].sort();
  expect(files).toEqual(['kernel/kernel.ts', 'sync/lock.ts']);
});
