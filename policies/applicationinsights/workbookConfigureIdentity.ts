import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GUID_PATTERN } from "../armFacts";
import { isType } from "../types";

/** The portal opens workbooks by a lower-case GUID name. */
const isLowerCaseGuid = (name: string) => GUID_PATTERN.test(name) && name === name.toLowerCase();

/** Workbooks Azure accepts and the portal can open: a lower-case GUID name and Notebook/1.0 JSON. */
export const applicationinsightsWorkbookConfigureIdentity: ResourceValidationPolicy = {
    name: "applicationinsights-workbook-configure-identity",
    description: "Workbooks have a lower-case GUID name and valid Notebook/1.0 gallery JSON.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "workbook")) {
            return;
        }
        const name = args.props.resourceName;
        if (!isLowerCaseGuid(String(name))) {
            reportViolation(`Workbook name must be a lower-case GUID (found ${name ?? "none"}); derive one with stableGuid().`);
        }
        let doc: { version?: unknown; items?: unknown } | undefined;
        try {
            doc = JSON.parse(String(args.props.serializedData));
        } catch {
            const text = String(args.props.serializedData);
            reportViolation(
                `Workbook serializedData must be valid JSON (found text that does not parse, starting ${JSON.stringify(text.slice(0, 20))}); fix the workbook file.`,
            );
            return;
        }
        if (doc?.version !== "Notebook/1.0" || !Array.isArray(doc.items)) {
            reportViolation(
                `Workbook serializedData must be gallery JSON with version "Notebook/1.0" and items (found version ${JSON.stringify(doc?.version)}).`,
            );
        }
    },
};
