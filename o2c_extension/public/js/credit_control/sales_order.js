// o2c_extension (credit_control): desk additions on this ERPNext form
