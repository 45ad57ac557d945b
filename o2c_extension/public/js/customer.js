// o2c_extension: desk additions on ERPNext forms
