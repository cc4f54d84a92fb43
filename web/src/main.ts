document.getElementById("app")!.textContent = "hubchat";
