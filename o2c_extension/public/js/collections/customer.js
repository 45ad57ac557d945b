// o2c_extension (collections): desk additions on this ERPNext form
