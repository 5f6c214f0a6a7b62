import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

// Run with: pulumi preview --policy-pack policies --policy-pack-config policies/config/<env>.json
new PolicyPack("entra-provisioning-logs", { policies: POLICIES });
