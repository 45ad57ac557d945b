// o2c_extension (scheduling): desk additions on this ERPNext form
