"""The Order to Cash workspace names the company its figures are for, and the user picks it
(issue 15): a Custom HTML Block at its top, shipped by the app, offers the companies the user's
User Permissions allow; picking one makes it the user's default company, which the cards' and
charts' filters read. The block in the browser: test_browser_workspace_company.py."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from o2c_extension.order_to_cash import kpi, workspace_company
from tests.integration import books, factories

USER = "o2c-workspace-company@example.com"


class TestWorkspaceCompany(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.world = books.world()
		factories.user(USER, ["Credit Controller"])

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.delete("User Permission", {"user": USER})
		frappe.defaults.clear_user_default("company", USER)

	def restrict(self, company: str) -> None:
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": USER,
				"allow": "Company",
				"for_value": company,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)

	def test_the_workspace_opens_with_the_company_block_the_app_ships(self):
		block = frappe.get_doc("Custom HTML Block", workspace_company.BLOCK)
		for field, text in workspace_company.block_contents().items():
			self.assertEqual(block.get(field), text, field)
		workspace = frappe.get_doc("Workspace", "Order to Cash")
		self.assertIn(workspace_company.BLOCK, [row.custom_block_name for row in workspace.custom_blocks])
		blocks = json.loads(workspace.content)
		first_figure = next(i for i, b in enumerate(blocks) if b["type"] in ("number_card", "chart"))
		self.assertEqual(
			[
				b["data"].get("custom_block_name")
				for b in blocks[:first_figure]
				if b["type"] == "custom_block"
			],
			[workspace_company.BLOCK],
			"the block stands above the cards and charts",
		)

	def test_picking_a_company_sets_the_default_the_cards_read(self):
		frappe.set_user(USER)
		self.assertIn(self.world.second_company, workspace_company.companies())
		self.assertEqual(workspace_company.set_company(self.world.second_company), self.world.second_company)
		self.assertEqual(frappe.defaults.get_user_default("Company"), self.world.second_company)
		self.assertEqual(kpi.pending_credit_holds_card()["company"], self.world.second_company)
		workspace_company.set_company(self.world.company)
		self.assertEqual(kpi.pending_credit_holds_card()["company"], self.world.company)

	def test_a_user_restricted_to_one_company_is_offered_it_only(self):
		self.restrict(self.world.company)
		frappe.set_user(USER)
		self.assertEqual(workspace_company.companies(), [self.world.company])
		with self.assertRaises(frappe.PermissionError):
			workspace_company.set_company(self.world.second_company)
		self.assertEqual(workspace_company.set_company(self.world.company), self.world.company)
