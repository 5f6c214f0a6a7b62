import * as fs from "fs";
import * as path from "path";

/** Folder of the `.kql` files the program deploys: each query is data a KQL author edits without reading TypeScript. */
export const QUERIES_DIR = __dirname;

/** The text of `queries/<name>.kql`; a missing file fails with its path. */
export function loadQuery(name: string, dir = QUERIES_DIR): string {
    const file = path.join(dir, `${name}.kql`);
    if (!fs.existsSync(file)) {
        throw new Error(`query file ${path.relative(process.cwd(), file) || file} does not exist`);
    }
    return fs.readFileSync(file, "utf8");
}

/** Names of every `.kql` file in the folder. */
export function queryNames(dir = QUERIES_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".kql"))
        .map((f) => f.slice(0, -".kql".length))
        .sort();
}
