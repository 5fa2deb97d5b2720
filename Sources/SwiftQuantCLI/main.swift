print("swiftquant")
